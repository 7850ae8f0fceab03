/*
 * broken.h — deliberately broken variants, living in tests/ only, that the
 * oracle must catch.  Each is a correct copy-on-begin_read scheme with one
 * fault; `broken_correct` has none, so that a test can also prove the oracle
 * raises no false alarm on the same machinery.
 */
#ifndef SNAPBENCH_TEST_BROKEN_H
#define SNAPBENCH_TEST_BROKEN_H

#include "variant.h"

extern const struct sb_variant broken_correct;
extern const struct sb_variant broken_torn;         /* a page mixes two versions */
extern const struct sb_variant broken_fractured;    /* one page of the last commit missing */
extern const struct sb_variant broken_inconsistent; /* S says c, the pages say c-1 */
extern const struct sb_variant broken_stale;        /* honest S, but one commit behind */
extern const struct sb_variant broken_lost_write;   /* drops a page of each commit */

/* Whether `v` is one of the variants above with a fault (the conformance
 * suite and the stress run, which a test build also registers them for,
 * leave those out). */
bool broken_has_fault(const struct sb_variant *v);

#endif
