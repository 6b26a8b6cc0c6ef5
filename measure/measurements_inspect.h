/* SPDX-License-Identifier: MIT */
/*
 * `igvmkit inspect` for a measurements JSON document (docs/measurements-json.md)
 * as igvmkit writes it: checked against its schema (schema name, image,
 * measurements with platform, field, algorithm and a digest of the right
 * length), then shown as a table, or echoed as JSON normalised by the JSON
 * writer inside {"format": "measurements", ...}.  Read with libyaml, as
 * fuki/hwids.c reads CHID JSON.
 */
#ifndef IGVMKIT_MEASURE_MEASUREMENTS_INSPECT_H
#define IGVMKIT_MEASURE_MEASUREMENTS_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"

#define MEASUREMENTS_INSPECT_SCHEMA_VERSION 1

/* True when P is a JSON object naming the igvmkit-measurements schema near its start. */
bool measurements_json_sniff(const uint8_t *p, size_t len);

int measurements_json_inspect(const uint8_t *p, size_t len, bool json, struct ik_buf *out,
			      struct ik_diag *d);

#endif
