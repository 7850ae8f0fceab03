/*
 * extra_variants.h — the test-only variants a test build registers after
 * the real ones (variants/registry.c, SNAPBENCH_EXTRA_VARIANTS;
 * tests/CMakeLists.txt): broken_correct, a correct scheme defined outside
 * variants/, which must pass the conformance suite and appear in --list
 * like any other; and broken_torn, a deliberately broken one, so that a
 * test can run it through the real CLI and see the violation's exit status.
 */
#ifndef SNAPBENCH_TEST_EXTRA_VARIANTS_H
#define SNAPBENCH_TEST_EXTRA_VARIANTS_H

#include "broken.h"

#define SB_EXTRA_VARIANT_LIST &broken_correct, &broken_torn,

#endif
