# Checks that two ranges files ("tensor: amax" per line) hold the same entries in the same order,
# comment and blank lines aside.
#   cmake -DACTUAL=calibrated.ranges -DEXPECTED=resnet_fmnist.ranges -P compare_ranges.cmake
function(read_entries path out)
  file(STRINGS ${path} lines)
  list(FILTER lines EXCLUDE REGEX "^[ \t]*(#|$)")
  set(${out} "${lines}" PARENT_SCOPE)
endfunction()

read_entries(${ACTUAL} actual)
read_entries(${EXPECTED} expected)
list(LENGTH actual count)
if(NOT actual STREQUAL expected)
  string(REPLACE ";" "\n  " actual_text "${actual}")
  string(REPLACE ";" "\n  " expected_text "${expected}")
  message(FATAL_ERROR "${ACTUAL} differs from ${EXPECTED}.\nactual:\n  ${actual_text}\n"
                      "expected:\n  ${expected_text}")
endif()
message(STATUS "${count} ranges, the same as ${EXPECTED}")
