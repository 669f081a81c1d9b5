# `cmake --install <build> --prefix P`: the headers (P/include/int8rt), the static library, the
# CMake package (find_package(int8rt) -> int8rt::int8rt) and the command-line tool (P/bin/int8rt).
include(CMakePackageConfigHelpers)

set(INT8RT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/int8rt)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/int8rt DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS int8rt EXPORT int8rtTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS int8rt_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT int8rtTargets NAMESPACE int8rt:: DESTINATION ${INT8RT_CMAKE_DIR})

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/int8rtConfig.cmake.in ${PROJECT_BINARY_DIR}/cmake/int8rtConfig.cmake
  INSTALL_DESTINATION ${INT8RT_CMAKE_DIR} PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
# 0.x: a minor version may change the API, so only the same major.minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/int8rtConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/int8rtConfig.cmake
              ${PROJECT_BINARY_DIR}/cmake/int8rtConfigVersion.cmake
        DESTINATION ${INT8RT_CMAKE_DIR})
