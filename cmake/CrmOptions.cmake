# Build options for crm; see the README's "Building" section.
option(CRM_TESTS "Build the test suite" ON)
option(CRM_TOOLS "Build the tools (crm-check, crm-bench, ...)" ON)
# Off for a packager's or user's build (a newer compiler's new warning must
# not break it); tools/test, and so CI, turn it on.
option(CRM_WERROR "Treat warnings as errors (tools/test and CI: ON)" OFF)
# The test hooks (the test clock CRM_TEST_CLOCK, CRM_TEST_PRUNE_MS,
# CRM_TEST_WRITE_DELAY_MS, CRM_TEST_CHEAP_HASH) compiled into crmd and crm: ON only in test
# builds (tools/test's); an installed crmd has none. Without them the
# tests that need them are disabled (crm_needs_test_hooks).
option(CRM_TEST_HOOKS
       "Compile the test hooks (test clock, ...) into crmd and crm" OFF)
set(CRM_SANITIZER "none" CACHE STRING
    "Sanitizer build: none, address (ASan+UBSan), undefined, thread")
set_property(CACHE CRM_SANITIZER PROPERTY STRINGS none address undefined thread)
# The libFuzzer target (tests/fuzz): clang only; tools/test builds it in
# build-fuzz with CC=clang. Adds -fsanitize=fuzzer-no-link everywhere.
option(CRM_FUZZ "Build the libFuzzer target (needs clang)" OFF)
set(CRM_FUZZ_SECONDS 120 CACHE STRING
    "Seconds of the request_fuzz_test run (env CRM_FUZZ_SECONDS wins)")
# The nng interop test (tests/e2e/nng_interop_test.c) needs libnng-dev;
# without it the test is skipped with a message, unless this is ON
# (tools/test sets it: in CI a missing nng is an error, not a skip).
option(CRM_REQUIRE_NNG "Fail to configure when nng (libnng-dev) is missing"
       OFF)
