/* The registry: every variant the harness can run.  Adding a scheme is one
 * new file in variants/ and one line in each list below.
 *
 * A test build compiles this file a second time with
 * SNAPBENCH_EXTRA_VARIANTS naming a header (tests/extra_variants.h) that
 * declares variants living in tests/ and lists them in
 * SB_EXTRA_VARIANT_LIST; they follow the real ones.  The real binary never
 * defines it. */
#include <string.h>

#include "variant.h"

#ifdef SNAPBENCH_EXTRA_VARIANTS
#include SNAPBENCH_EXTRA_VARIANTS
#else
#define SB_EXTRA_VARIANT_LIST
#endif

extern const struct sb_variant sb_variant_none;
extern const struct sb_variant sb_variant_floor;
extern const struct sb_variant sb_variant_rwlock;
extern const struct sb_variant sb_variant_pagever;
extern const struct sb_variant sb_variant_rustdb;
extern const struct sb_variant sb_variant_rcucow;
extern const struct sb_variant sb_variant_epochcow;
extern const struct sb_variant sb_variant_seqlock;
extern const struct sb_variant sb_variant_leftright;
extern const struct sb_variant sb_variant_fullcopy;
extern const struct sb_variant sb_variant_forkcow;
extern const struct sb_variant sb_variant_lmdb;
extern const struct sb_variant sb_variant_sqlite;

const struct sb_variant *const sb_variants[] = {
	&sb_variant_none,
	&sb_variant_floor,
	&sb_variant_rwlock,
	&sb_variant_pagever,
	&sb_variant_rustdb,
	&sb_variant_rcucow,
	&sb_variant_epochcow,
	&sb_variant_seqlock,
	&sb_variant_leftright,
	&sb_variant_fullcopy,
	&sb_variant_forkcow,
	&sb_variant_lmdb,
	&sb_variant_sqlite,
	SB_EXTRA_VARIANT_LIST
};

const size_t sb_variant_count = sizeof sb_variants / sizeof sb_variants[0];

const struct sb_variant *sb_variant_find(const char *name)
{
	for (size_t i = 0; i < sb_variant_count; i++)
		if (strcmp(sb_variants[i]->name, name) == 0)
			return sb_variants[i];
	return NULL;
}
