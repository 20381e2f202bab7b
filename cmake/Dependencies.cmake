# Every dependency is a Debian package (scripts/install-deps.sh installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

find_package(pugixml REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)

pkg_check_modules(CBC REQUIRED IMPORTED_TARGET cbc)
pkg_check_modules(GLPK IMPORTED_TARGET glpk)
if(NOT GLPK_FOUND)
  # Debian's libglpk-dev ships no .pc file.
  find_path(GLPK_INCLUDE_DIR glpk.h REQUIRED)
  find_library(GLPK_LIBRARY glpk REQUIRED)
  add_library(glpk_glpk UNKNOWN IMPORTED)
  set_target_properties(glpk_glpk PROPERTIES IMPORTED_LOCATION ${GLPK_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${GLPK_INCLUDE_DIR})
  add_library(PkgConfig::GLPK ALIAS glpk_glpk)
endif()

# Daemons: HTTP(S) (Debian builds cpp-httplib as a library with OpenSSL),
# the embedded store and the PostgreSQL client.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)

if(CLOUDNET_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(CLOUDNET_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
