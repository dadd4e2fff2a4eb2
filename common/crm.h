/* SPDX-License-Identifier: MIT */
/*
 * crm.h: the umbrella header of the common library that crmd, crm, the
 * tests and the tools all link.
 *
 * Naming rule (one table for the whole tree):
 *
 *   where      prefix          example
 *   common/    crm_<obj>_<vb>  crm_wire_pack_nn, crm_time_parse, crm_strerror
 *   server/    <file stem>_    store_get_msg, dispatch_read
 *   client/    <file stem>_    shell_print_async, render_table, conn_call
 *   static     none            descriptive names only
 *
 * Generated protobuf-c code keeps its own Crm__V1__ names.
 */
#ifndef CRM_H
#define CRM_H

#include "crm.pb-c.h"
#include "crm_arena.h"
#include "crm_enum.h"
#include "crm_err.h"
#include "crm_limits.h"
#include "crm_log.h"
#include "crm_path.h"
#include "crm_time.h"
#include "crm_utf8.h"
#include "crm_validate.h"
#include "crm_wire.h"
#include "crm_xmalloc.h"

#define CRM_VERSION          "0.1.0"
#define CRM_PROTOCOL_VERSION 1u /* the newest version this build speaks */
#define CRM_PROTOCOL_MIN     1u /* the oldest (HelloReply.min_...) */

#endif
