// Just enough PNG decoding for tests to look at a screenshot: the size from the header,
// and the pixels of an 8-bit RGB or RGBA, non-interlaced image (what Chromium's
// Page.captureScreenshot writes), so a test can check what is actually on screen.
#ifndef MESHPROOF_TESTS_CLI_PNG_IMAGE_H_
#define MESHPROOF_TESTS_CLI_PNG_IMAGE_H_

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace meshproof::cli::testing {

struct Rgb {
  int r = 0, g = 0, b = 0;
};

class PngImage {
 public:
  // Decodes `png`. INVALID_ARGUMENT when it is not a PNG; UNIMPLEMENTED for bit depths,
  // colour types or interlacing this reader does not handle.
  static absl::StatusOr<PngImage> Decode(const std::string& png) {
    static const char kSignature[] = "\x89PNG\r\n\x1a\n";
    if (png.size() < 33 || png.compare(0, 8, kSignature, 8) != 0) {
      return absl::InvalidArgumentError("not a PNG (bad signature)");
    }
    PngImage image;
    std::string idat;
    int bit_depth = 0, colour_type = 0, interlace = 0;
    for (size_t at = 8; at + 12 <= png.size();) {
      const uint32_t length = Be32(png, at);
      const std::string type = png.substr(at + 4, 4);
      if (at + 12 + length > png.size())
        return absl::InvalidArgumentError("truncated PNG chunk " + type);
      const size_t data = at + 8;
      if (type == "IHDR") {
        image.width_ = static_cast<int>(Be32(png, data));
        image.height_ = static_cast<int>(Be32(png, data + 4));
        bit_depth = static_cast<uint8_t>(png[data + 8]);
        colour_type = static_cast<uint8_t>(png[data + 9]);
        interlace = static_cast<uint8_t>(png[data + 12]);
      } else if (type == "IDAT") {
        idat.append(png, data, length);
      } else if (type == "IEND") {
        break;
      }
      at += 12 + length;
    }
    if (image.width_ <= 0 || image.height_ <= 0)
      return absl::InvalidArgumentError("PNG without a size");
    if (bit_depth != 8 || (colour_type != 2 && colour_type != 6) || interlace != 0) {
      return absl::UnimplementedError(absl::StrCat("PNG bit depth ", bit_depth, ", colour type ",
                                                   colour_type, ", interlace ", interlace));
    }
    image.channels_ = colour_type == 6 ? 4 : 3;
    const size_t stride = static_cast<size_t>(image.width_) * image.channels_;
    std::vector<uint8_t> raw((stride + 1) * image.height_);
    uLongf raw_size = raw.size();
    if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()),
                   idat.size()) != Z_OK ||
        raw_size != raw.size()) {
      return absl::InvalidArgumentError("PNG image data does not inflate to its size");
    }
    // Undo the per-row filters (PNG spec, section 9).
    image.pixels_.resize(stride * image.height_);
    const int bpp = image.channels_;
    for (int y = 0; y < image.height_; ++y) {
      const uint8_t filter = raw[y * (stride + 1)];
      const uint8_t* in = &raw[y * (stride + 1) + 1];
      uint8_t* row = &image.pixels_[y * stride];
      const uint8_t* up = y > 0 ? &image.pixels_[(y - 1) * stride] : nullptr;
      for (size_t x = 0; x < stride; ++x) {
        const int a = x >= static_cast<size_t>(bpp) ? row[x - bpp] : 0;
        const int b = up != nullptr ? up[x] : 0;
        const int c = up != nullptr && x >= static_cast<size_t>(bpp) ? up[x - bpp] : 0;
        int predicted = 0;
        switch (filter) {
          case 0: break;
          case 1: predicted = a; break;
          case 2: predicted = b; break;
          case 3: predicted = (a + b) / 2; break;
          case 4: {
            const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b),
                      pc = std::abs(p - c);
            predicted = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
            break;
          }
          default: return absl::InvalidArgumentError(absl::StrCat("PNG row filter ", filter));
        }
        row[x] = static_cast<uint8_t>(in[x] + predicted);
      }
    }
    return image;
  }

  int width() const { return width_; }
  int height() const { return height_; }
  Rgb At(int x, int y) const {
    const uint8_t* p = &pixels_[(static_cast<size_t>(y) * width_ + x) * channels_];
    return Rgb{p[0], p[1], p[2]};
  }

 private:
  static uint32_t Be32(const std::string& s, size_t at) {
    return (static_cast<uint32_t>(static_cast<uint8_t>(s[at])) << 24) |
           (static_cast<uint32_t>(static_cast<uint8_t>(s[at + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<uint8_t>(s[at + 2])) << 8) |
           static_cast<uint8_t>(s[at + 3]);
  }

  int width_ = 0, height_ = 0, channels_ = 0;
  std::vector<uint8_t> pixels_;
};

}  // namespace meshproof::cli::testing

#endif  // MESHPROOF_TESTS_CLI_PNG_IMAGE_H_
