# Helpers shared by every folder's CMakeLists.txt.

# crm_apply_sanitizer(): compile and link flags for CRM_SANITIZER.
function(crm_apply_sanitizer)
  if(CRM_SANITIZER STREQUAL "address")
    set(f -fsanitize=address,undefined -fno-sanitize-recover=undefined
          -fno-omit-frame-pointer)
  elseif(CRM_SANITIZER STREQUAL "undefined")
    set(f -fsanitize=undefined -fno-sanitize-recover=undefined)
  elseif(CRM_SANITIZER STREQUAL "thread")
    set(f -fsanitize=thread)
  else()
    set(f "")
  endif()
  if(CRM_FUZZ)
    if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
      message(FATAL_ERROR "CRM_FUZZ needs clang (CC=clang); "
                          "this is ${CMAKE_C_COMPILER_ID}")
    endif()
    # Coverage for libFuzzer in every library; the target itself links
    # -fsanitize=fuzzer (tests/fuzz/CMakeLists.txt).
    list(APPEND f -fsanitize=fuzzer-no-link)
  endif()
  if(NOT f)
    return()
  endif()
  add_compile_options(${f})
  add_link_options(${f})
endfunction()

# crm_test(NAME SOURCES... [LABELS l...] [TIMEOUT s] [LIBS l...]):
# a cmocka test linked against the common library. LABELS default to the
# folder's tier, CRM_TEST_TIER (unit unless the folder sets it: e2e in
# tests/e2e); every test has exactly one tier label, unit, e2e, slow or
# fuzz (tier_labels_test, tests/CMakeLists.txt).
function(crm_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "LABELS;LIBS" ${ARGN})
  add_executable(${name} ${T_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE crm_common PkgConfig::CMOCKA ${T_LIBS})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 60)
  endif()
  if(NOT T_LABELS)
    if(CRM_TEST_TIER)
      set(T_LABELS ${CRM_TEST_TIER})
    else()
      set(T_LABELS unit)
    endif()
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT}
                       LABELS "${T_LABELS}")
endfunction()

# crm_soname(VAR NAME LIBS): the SONAME of the shared library among LIBS
# (full paths, as pkg_check_modules' NAME_LINK_LIBRARIES) whose file name
# contains NAME, for a dlopen() that must not need the -dev symlink.
function(crm_soname var name libs)
  set(so "")
  foreach(lib IN LISTS libs)
    get_filename_component(file ${lib} NAME)
    if(NOT file MATCHES "${name}")
      continue()
    endif()
    execute_process(COMMAND ${CMAKE_OBJDUMP} -p ${lib}
                    OUTPUT_VARIABLE out ERROR_QUIET RESULT_VARIABLE rc)
    if(rc EQUAL 0 AND out MATCHES "SONAME +([^ \n]+)")
      set(so ${CMAKE_MATCH_1})
    else()
      get_filename_component(real ${lib} REALPATH)
      get_filename_component(so ${real} NAME)
    endif()
    break()
  endforeach()
  if(NOT so)
    message(FATAL_ERROR "no shared library ${name} in '${libs}'")
  endif()
  set(${var} ${so} PARENT_SCOPE)
endfunction()

# crm_needs_test_hooks(TEST...): tests that set the test clock or another
# test hook (CRM_TEST_HOOKS), labelled test_hooks. In a build without the
# hooks they are disabled (ctest says "Not Run (Disabled)"), not failed.
# A name that is no test in this build (a CRM_TOOLS or valgrind one) is
# passed over.
function(crm_needs_test_hooks)
  foreach(t IN LISTS ARGN)
    if(NOT TEST ${t})
      continue()
    endif()
    set_property(TEST ${t} APPEND PROPERTY LABELS test_hooks)
    if(NOT CRM_TEST_HOOKS)
      set_tests_properties(${t} PROPERTIES DISABLED TRUE)
      set_property(GLOBAL APPEND PROPERTY CRM_DISABLED_HOOK_TESTS ${t})
    endif()
  endforeach()
endfunction()

# The tests start python3 hundreds of times (json checks in the shell
# tests, the scenario runner, tools/ scripts). Through a version
# manager's shim (pyenv's is a bash script that runs `pyenv exec`) each
# start costs ~300 ms instead of ~40 ms: a third of some tests' time.
# CRM_TEST_PYTHON_DIR is the directory of the interpreter python3 runs
# in the end (sys.executable), put first on the tests' PATH below; the
# same interpreter, so the same modules.
find_program(CRM_PYTHON3 python3)
set(CRM_TEST_PYTHON_DIR "")
if(CRM_PYTHON3)
  execute_process(
    COMMAND ${CRM_PYTHON3} -c
            "import os,sys; print(os.path.dirname(os.path.realpath(sys.executable)))"
    OUTPUT_VARIABLE d OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(rc EQUAL 0 AND EXISTS "${d}/python3")
    set(CRM_TEST_PYTHON_DIR "${d}")
  endif()
endif()

# crm_finish_tests(): call at the end of each folder's CMakeLists.txt.
# For every test of the folder so far:
# - in a test build (CRM_TEST_HOOKS), CRM_TEST_CHEAP_HASH=1: crmd (and
#   `crmd user add`) hash new passwords at argon2id's minimum cost
#   instead of 64 MiB and ~60 ms (server/auth.c), which is most of the
#   cost of an e2e test's users and logins, under valgrind and ASan above
#   all. The tests about the hash's own cost (memory, timing, the hash
#   pool) are named in CRM_REAL_HASH_TESTS (tests/CMakeLists.txt) and
#   keep it;
# - its COST from CRM_TEST_COSTS (NAME=SECONDS, tests/CMakeLists.txt):
#   ctest starts the costliest first when it has no timings of its own
#   (a fresh clone), so `ctest -j2` does not end on one long test;
# - CRM_TEST_PYTHON_DIR first on its PATH (above).
function(crm_finish_tests)
  get_property(tests DIRECTORY PROPERTY TESTS)
  foreach(t IN LISTS tests)
    if(CRM_TEST_PYTHON_DIR)
      set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT_MODIFICATION
                   "PATH=path_list_prepend:${CRM_TEST_PYTHON_DIR}")
    endif()
    if(CRM_TEST_HOOKS AND NOT t IN_LIST CRM_REAL_HASH_TESTS)
      set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT
                   CRM_TEST_CHEAP_HASH=1)
    endif()
    foreach(c IN LISTS CRM_TEST_COSTS)
      if(c MATCHES "^${t}=([0-9]+)$")
        set_tests_properties(${t} PROPERTIES COST ${CMAKE_MATCH_1})
      endif()
    endforeach()
  endforeach()
endfunction()
