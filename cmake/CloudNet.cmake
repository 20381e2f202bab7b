# Project-wide compile settings and helpers.

# Warnings are errors in our own code (DEVELOPERS.md).
add_library(cloudnet_warnings INTERFACE)
target_compile_options(cloudnet_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough -Werror)

if(CLOUDNET_SANITIZE)
  # GCC 12's flow analysis reports false "maybe uninitialized" warnings in
  # libstdc++ (std::function, std::regex) once ASan instruments the code.
  # -O1 (after the build type's -O3, so it wins): instrumented -O3 compiles about
  # 2.5x slower (completion.cc 94 s against 39 s), and CI builds everything this way.
  add_compile_options(-O1 -fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined -Wno-maybe-uninitialized)
  add_link_options(-fsanitize=address,undefined)
endif()

# cloudnet_library(NAME SOURCES ... DEPS ...): a static library cloudnet_NAME
# whose headers are included as "NAME/header.h" from src/.
function(cloudnet_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(cloudnet_${name} STATIC ${ARG_SOURCES})
  add_library(cloudnet::${name} ALIAS cloudnet_${name})
  target_include_directories(cloudnet_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(cloudnet_${name} PUBLIC ${ARG_DEPS} PRIVATE cloudnet_warnings ${ARG_PRIVATE_DEPS})
endfunction()

# cloudnet_test(NAME SOURCES ... DEPS ... [LABELS ...]): a GoogleTest binary
# registered with CTest, one CTest test per TEST().
function(cloudnet_test name)
  if(NOT CLOUDNET_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main cloudnet_warnings)
  target_compile_definitions(${name} PRIVATE
    CLOUDNET_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    CLOUDNET_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared"
    CLOUDNET_BINARY_DIR="${CMAKE_BINARY_DIR}")
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  if(CLOUDNET_SANITIZE)
    target_sources(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support/lsan_suppressions.cc)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}")
endfunction()
