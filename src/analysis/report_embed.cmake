# Embeds the report page's script and style sheet (report_page.js, report_page.css) into the int8rt
# library as byte arrays, so they stay readable source files. Included by src/CMakeLists.txt after
# the int8rt target; run again in script mode (cmake -P) by the build to write the source.
if(CMAKE_SCRIPT_MODE_FILE)
  # cmake -DOUTPUT=file.cpp -DSCRIPT=report_page.js -DSTYLE=report_page.css -P report_embed.cmake
  set(text "// Generated from src/analysis/report_page.{js,css} by src/analysis/report_embed.cmake;\n")
  string(APPEND text "// rebuilt with the int8rt library.\n#include \"analysis/report_assets.h\"\n\n")
  string(APPEND text "namespace int8rt::report {\n\nnamespace {\n\n")
  foreach(pair "kScript;${SCRIPT}" "kStyle;${STYLE}")
    list(GET pair 0 name)
    list(GET pair 1 file)
    file(READ "${file}" hex HEX)
    string(LENGTH "${hex}" digits)
    math(EXPR size "${digits} / 2")
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
    # 16 bytes a line (CMake's regular expressions have no {n}).
    string(REPEAT "'\\\\x[0-9a-f][0-9a-f]'," 16 line)
    string(REGEX REPLACE "(${line})" "\\1\n" bytes "${bytes}")
    string(APPEND text "constexpr char ${name}[${size} + 1] = {\n${bytes}'\\0'};\n\n")
  endforeach()
  string(APPEND text "}  // namespace\n\n")
  string(APPEND text "std::string_view page_script() { return {kScript, sizeof kScript - 1}; }\n")
  string(APPEND text "std::string_view page_style() { return {kStyle, sizeof kStyle - 1}; }\n\n")
  string(APPEND text "}  // namespace int8rt::report\n")
  file(WRITE "${OUTPUT}.tmp" "${text}")
  file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
  return()
endif()

set(INT8RT_REPORT_ASSETS_CPP ${CMAKE_CURRENT_BINARY_DIR}/report_assets.cpp)
add_custom_command(
  OUTPUT ${INT8RT_REPORT_ASSETS_CPP}
  COMMAND ${CMAKE_COMMAND} -DOUTPUT=${INT8RT_REPORT_ASSETS_CPP}
          -DSCRIPT=${CMAKE_CURRENT_LIST_DIR}/report_page.js
          -DSTYLE=${CMAKE_CURRENT_LIST_DIR}/report_page.css -P ${CMAKE_CURRENT_LIST_FILE}
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/report_page.js ${CMAKE_CURRENT_LIST_DIR}/report_page.css
          ${CMAKE_CURRENT_LIST_FILE}
  COMMENT "Embedding the report page's script and style sheet"
  VERBATIM)
target_sources(int8rt PRIVATE ${INT8RT_REPORT_ASSETS_CPP})
