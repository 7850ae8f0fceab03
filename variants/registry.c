/* The registry: every variant the harness can run.  Adding a scheme is one
 * new file in variants/ and one line in each list below. */
#include <string.h>

#include "variant.h"

extern const struct sb_variant sb_variant_none;
extern const struct sb_variant sb_variant_rwlock;

const struct sb_variant *const sb_variants[] = {
	&sb_variant_none,
	&sb_variant_rwlock,
};

const size_t sb_variant_count = sizeof sb_variants / sizeof sb_variants[0];

const struct sb_variant *sb_variant_find(const char *name)
{
	for (size_t i = 0; i < sb_variant_count; i++)
		if (strcmp(sb_variants[i]->name, name) == 0)
			return sb_variants[i];
	return NULL;
}
