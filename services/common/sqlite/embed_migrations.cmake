# Writes a .cc defining a service's migrations function from numbered .sql files, so the
# binary carries its schema and never reads the source tree.
# Inputs: OUTPUT (the .cc to write), SOURCES (a ;-list of .sql files, any order),
# HEADER (the header declaring the function), NAMESPACE, FUNCTION, ORIGIN (for the
# generated comment, e.g. migrations/results).
list(SORT SOURCES)
set(body "")
set(expected 1)
foreach(file IN LISTS SOURCES)
  get_filename_component(name "${file}" NAME)
  if(NOT name MATCHES "^([0-9]+)_[a-z0-9_]+\\.sql$")
    message(FATAL_ERROR "migration ${name}: expected NNNN_name.sql")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  if(NOT version EQUAL expected)
    message(FATAL_ERROR "migration ${name}: expected number ${expected}")
  endif()
  math(EXPR expected "${expected} + 1")
  file(READ "${file}" sql)
  if(sql MATCHES "\\)mp_sql\"")
    message(FATAL_ERROR "migration ${name} contains the raw-string delimiter")
  endif()
  string(APPEND body "      {${version}, \"${name}\", R\"mp_sql(${sql})mp_sql\"},\n")
endforeach()
set(content "// Generated from ${ORIGIN}/*.sql by embed_migrations.cmake. Do not edit.
#include \"${HEADER}\"

namespace ${NAMESPACE} {

const std::vector<Migration>& ${FUNCTION}() {
  static const auto* migrations = new std::vector<Migration>{
${body}  };
  return *migrations;
}

}  // namespace ${NAMESPACE}
")
file(WRITE "${OUTPUT}.tmp" "${content}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
