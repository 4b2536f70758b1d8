// A temporary directory removed with its contents when the object goes away.
#ifndef MESHPROOF_TESTS_TESTING_TEMP_DIR_H_
#define MESHPROOF_TESTS_TESTING_TEMP_DIR_H_

#include <string>

namespace meshproof::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Returns path()/name.
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to path()/name and returns that path.
  std::string WriteFile(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// Returns the whole content of a file, or "" when it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_TESTING_TEMP_DIR_H_
