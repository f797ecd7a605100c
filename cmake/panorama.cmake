# Build helpers: one to declare a module library, one to declare a test.

set(PANORAMA_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
    -Wnull-dereference -Wimplicit-fallthrough -Wno-missing-field-initializers)
# GCC 12 reports false -Wrestrict positives on std::string concatenation at -O2 and above
# (GCC bug 105651), so that one warning is off for GCC.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND PANORAMA_WARNINGS -Wno-restrict)
endif()
if(PANORAMA_WERROR)
  list(APPEND PANORAMA_WARNINGS -Werror)
endif()

if(PANORAMA_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# panorama_module(NAME SOURCES ... DEPS ...)
# Declares library panorama_<NAME> from src/<NAME>; public headers are included as
# "<NAME>/header.h" from src/.
function(panorama_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(panorama_${name} STATIC ${ARG_SOURCES})
  target_include_directories(panorama_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(panorama_${name} PRIVATE ${PANORAMA_WARNINGS})
  target_link_libraries(panorama_${name} PUBLIC ${ARG_DEPS})
endfunction()

# panorama_test(NAME SOURCES ... DEPS ...): a GoogleTest binary registered with ctest.
function(panorama_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${PANORAMA_WARNINGS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
      PANORAMA_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
      PANORAMA_BINARY_DIR="${PROJECT_BINARY_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()
