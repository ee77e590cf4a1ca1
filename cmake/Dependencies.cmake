# Every dependency comes from a Debian package; when one is missing, say which.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: install the Debian package pkg-config")
endif()
find_package(Threads REQUIRED)

macro(riposte_require var module debian_package)
  pkg_check_modules(${var} QUIET IMPORTED_TARGET ${module})
  if(NOT ${var}_FOUND)
    message(FATAL_ERROR "${module} not found: install the Debian package ${debian_package}"
                        " (or run 'make deps' as root)")
  endif()
endmacro()

riposte_require(UV libuv libuv1-dev)
riposte_require(CURL libcurl libcurl4-openssl-dev)
riposte_require(CJSON libcjson libcjson-dev)
riposte_require(OPENSSL openssl libssl-dev)
riposte_require(SQLITE sqlite3 libsqlite3-dev)
riposte_require(YAML yaml-0.1 libyaml-dev)
riposte_require(XML2 libxml-2.0 libxml2-dev)

find_path(JQ_INCLUDE_DIR jq.h)
find_library(JQ_LIBRARY jq)
if(NOT JQ_INCLUDE_DIR OR NOT JQ_LIBRARY)
  message(FATAL_ERROR "libjq not found: install the Debian package libjq-dev")
endif()

set(LLHTTP_INCLUDE_DIR /usr/share/include/llhttp CACHE PATH "folder of llhttp.h")
set(LLHTTP_SOURCE_DIR /usr/share/llhttp CACHE PATH "folder of llhttp's C sources")
if(NOT EXISTS ${LLHTTP_INCLUDE_DIR}/llhttp.h OR NOT EXISTS ${LLHTTP_SOURCE_DIR}/llhttp.c)
  message(FATAL_ERROR "llhttp sources not found: install the Debian package node-llhttp")
endif()
set(LLHTTP_SOURCES ${LLHTTP_SOURCE_DIR}/llhttp.c ${LLHTTP_SOURCE_DIR}/api.c
                   ${LLHTTP_SOURCE_DIR}/http.c)

if(RIPOSTE_TESTS)
  riposte_require(CMOCKA cmocka libcmocka-dev)
endif()
