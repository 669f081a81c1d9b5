# ctest samples.cli_quickstart: runs samples/cli/quickstart.sh (the README's command-line quickstart)
# as written, from the source root, and checks the two accuracies it prints.
#   cmake -DSOURCE_DIR=... -DBUILD_DIR=... -P RunCliQuickstart.cmake
execute_process(COMMAND sh samples/cli/quickstart.sh ${BUILD_DIR} WORKING_DIRECTORY ${SOURCE_DIR}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "FAIL: samples/cli/quickstart.sh exited with ${rc}")
endif()
# FP32 on the 2,000 held-out digits: 98.90 % (PyTorch's figure, models/README.md); INT8 with
# Entropy2 on 500 training digits: within 0.2 pt of it (docs/accuracy.md: 99.10 %).
string(REGEX MATCHALL "top-1 accuracy: [0-9.]+% \\([0-9]+/2000\\)" accuracies "${out}")
list(LENGTH accuracies count)
if(NOT count EQUAL 2)
  message(FATAL_ERROR "FAIL: expected two top-1 lines (FP32, INT8), got: ${accuracies}")
endif()
list(GET accuracies 0 fp32)
list(GET accuracies 1 int8)
if(NOT fp32 STREQUAL "top-1 accuracy: 98.90% (1978/2000)")
  message(FATAL_ERROR "FAIL: FP32 ${fp32}, expected 98.90% (1978/2000)")
endif()
if(NOT int8 MATCHES "\\((19[7-9][0-9]|2000)/2000\\)")
  message(FATAL_ERROR "FAIL: INT8 ${int8}, expected at least 1974/2000 (FP32 - 0.2 pt)")
endif()
foreach(file lenet5.cache lenet5_int8.plan logits.npy lenet5.ranges)
  if(NOT EXISTS ${BUILD_DIR}/quickstart/${file})
    message(FATAL_ERROR "FAIL: the quickstart did not write ${BUILD_DIR}/quickstart/${file}")
  endif()
endforeach()
