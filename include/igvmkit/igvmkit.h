/* SPDX-License-Identifier: MIT */
/*
 * libigvmkit: build, measure, wrap and sign IGVM firmware images for
 * confidential VMs (docs/libigvmkit.md).  Link with
 * `pkg-config --cflags --libs igvmkit`.
 */
#ifndef IGVMKIT_IGVMKIT_H
#define IGVMKIT_IGVMKIT_H

#include <igvmkit/error.h>
#include <igvmkit/igvm.h>
#include <igvmkit/measure.h>
#include <igvmkit/build.h>
#include <igvmkit/vars.h>
#include <igvmkit/fuki.h>
#include <igvmkit/sign.h>

#endif
