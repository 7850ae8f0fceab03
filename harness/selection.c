/*
 * selection.c — `-v LIST` and `--list` (selection.h).  Only the registry
 * and each variant's flags are consulted: no variant is known by name.
 */
#include <stdlib.h>
#include <string.h>

#include "selection.h"

bool variant_fits(const struct sb_variant *v, const struct run_config *c)
{
	return v->concurrent_safe ||
	       ((c->readers == 0 || c->writers == 0) && c->writers <= 1);
}

void variant_properties(const struct sb_variant *v, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s",
	         !v->strict ? "eventual"
	         : v->publish_modes ? "strict,try-eventual" : "strict",
	         v->concurrent_safe ? ",concurrent" : "",
	         v->control ? ",control" : "", v->engine ? ",engine" : "",
	         v->frozen ? ",frozen" : "");
}

void list_variants(FILE *out)
{
	int name_width = 0, properties_width = 0;
	char properties[128];
	for (size_t i = 0; i < sb_variant_count; i++) {
		variant_properties(sb_variants[i], properties, sizeof properties);
		if ((int)strlen(sb_variants[i]->name) > name_width)
			name_width = (int)strlen(sb_variants[i]->name);
		if ((int)strlen(properties) > properties_width)
			properties_width = (int)strlen(properties);
	}
	for (size_t i = 0; i < sb_variant_count; i++) {
		const struct sb_variant *v = sb_variants[i];
		variant_properties(v, properties, sizeof properties);
		fprintf(out, "%-*s  %-*s  %s\n", name_width, v->name,
		        properties_width, properties, v->summary);
	}
}

/* Whether `group` (all, schemes or a property) names a group at all, and
 * whether v is in it. */
static bool group_known(const char *group)
{
	static const char *const groups[] = {
		"all", "schemes", "strict", "eventual", "concurrent", "control",
		"engine", "frozen",
	};
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
		if (strcmp(group, groups[i]) == 0)
			return true;
	return false;
}

static bool in_group(const char *group, const struct sb_variant *v,
                     const struct run_config *c)
{
	bool strict = sb_variant_strict(v, c->publish);
	return strcmp(group, "all") == 0 ||
	       (strcmp(group, "schemes") == 0 && !v->control) ||
	       (strcmp(group, "strict") == 0 && strict) ||
	       (strcmp(group, "eventual") == 0 && !strict) ||
	       (strcmp(group, "concurrent") == 0 && v->concurrent_safe) ||
	       (strcmp(group, "control") == 0 && v->control) ||
	       (strcmp(group, "engine") == 0 && v->engine) ||
	       (strcmp(group, "frozen") == 0 && v->frozen);
}

/* One item of the list; SB_EUSAGE after a line on stderr. */
static int apply_item(const char *item, const struct run_config *config,
                      bool *chosen, bool *skipped)
{
	bool remove = item[0] == '-';
	const char *name = remove ? item + 1 : item;
	for (size_t i = 0; i < sb_variant_count; i++) {
		const struct sb_variant *v = sb_variants[i];
		if (strcmp(v->name, name) != 0)
			continue;
		if (!remove && !variant_fits(v, config)) {
			fprintf(stderr, "snapbench: --variant: '%s' is not safe with "
			        "concurrent threads: run it with --writers 0, or with "
			        "--readers 0 and at most one writer\n", v->name);
			return SB_EUSAGE;
		}
		chosen[i] = !remove;
		skipped[i] = false;
		return SB_OK;
	}
	if (!group_known(name)) {
		fprintf(stderr, "snapbench: --variant: unknown variant or property "
		        "'%s' (snapbench --list shows them)\n", name);
		return SB_EUSAGE;
	}
	for (size_t i = 0; i < sb_variant_count; i++) {
		if (!in_group(name, sb_variants[i], config))
			continue;
		bool fits = variant_fits(sb_variants[i], config);
		chosen[i] = !remove && (chosen[i] || fits);
		skipped[i] = !remove && !chosen[i] && !fits;
	}
	return SB_OK;
}

int select_variants(const char *list, const struct run_config *config,
                    bool quiet, const struct sb_variant **out, unsigned *count)
{
	bool chosen[MAX_VARIANTS] = {false}, skipped[MAX_VARIANTS] = {false};
	char *copy = strdup(list);
	if (!copy || sb_variant_count > MAX_VARIANTS) {
		fprintf(stderr, "snapbench: --variant: out of memory\n");
		free(copy);
		return SB_ERESOURCE;
	}
	int status = SB_OK, items = 0;
	char *save = NULL;
	for (char *item = strtok_r(copy, ",", &save); item && status == SB_OK;
	     item = strtok_r(NULL, ",", &save), items++)
		status = apply_item(item, config, chosen, skipped);
	free(copy);
	if (status == SB_OK && items == 0) {
		fprintf(stderr, "snapbench: --variant: expected a comma-separated "
		        "list of variants and properties, got '%s'\n", list);
		status = SB_EUSAGE;
	}
	*count = 0;
	for (size_t i = 0; status == SB_OK && i < sb_variant_count; i++) {
		if (chosen[i])
			out[(*count)++] = sb_variants[i];
		else if (skipped[i] && !quiet)
			fprintf(stderr, "snapbench: skipping '%s': it cannot run "
			        "readers and writers at once\n", sb_variants[i]->name);
	}
	if (status == SB_OK && *count == 0) {
		fprintf(stderr, "snapbench: --variant: no chosen variant can run "
		        "this workload\n");
		status = SB_EUSAGE;
	}
	return status;
}
