# tier_labels.cmake: every ctest test of the build in BUILD has exactly
# one tier label: unit (no server process), e2e (a real crmd, seconds),
# slow (soak, valgrind, bench, durability: tens of seconds) or fuzz.
# `tools/test --quick` runs -L 'unit|e2e', so a test without a tier
# would silently run in no quick pass.
# Usage: cmake -DCTEST=ctest -DBUILD=build-dir -P tier_labels.cmake

# names(VAR ARGS...): the tests `ctest -N ARGS` lists.
function(names var)
  execute_process(COMMAND ${CTEST} --test-dir ${BUILD} -N ${ARGN}
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ctest -N ${ARGN} failed (${rc})")
  endif()
  string(REGEX MATCHALL "Test +#[0-9]+: [^\n]+" lines "${out}")
  set(r "")
  foreach(l IN LISTS lines)
    string(REGEX REPLACE "Test +#[0-9]+: " "" l "${l}")
    list(APPEND r ${l})
  endforeach()
  set(${var} ${r} PARENT_SCOPE)
endfunction()

names(all)
list(LENGTH all n)
if(n EQUAL 0)
  message(FATAL_ERROR "no tests listed")
endif()
set(tagged "")
foreach(tier unit e2e slow fuzz)
  names(t -L "^${tier}$")
  list(LENGTH t c)
  message(STATUS "${tier}: ${c} tests")
  list(APPEND tagged ${t})
endforeach()
set(bad 0)
foreach(name IN LISTS all)
  set(c 0)
  foreach(x IN LISTS tagged)
    if(x STREQUAL name)
      math(EXPR c "${c} + 1")
    endif()
  endforeach()
  if(NOT c EQUAL 1)
    message(SEND_ERROR "${name}: ${c} tier labels; want exactly one of "
                       "unit, e2e, slow, fuzz")
    math(EXPR bad "${bad} + 1")
  endif()
endforeach()
if(bad GREATER 0)
  message(FATAL_ERROR "${bad} of ${n} tests lack exactly one tier label")
endif()
message(STATUS "all ${n} tests have exactly one tier label")
