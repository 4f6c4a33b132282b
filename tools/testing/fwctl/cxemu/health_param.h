/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The health_poll_ms parameter and its reader (glue.h), for the module
 * whose glue includes this file: cxemu_glue.c and the mlx5_core stand-in's
 * glue each include it once, so each module has its own parameter, in
 * /sys/module/<module>/parameters/. Not for any other file.
 */
#ifndef _CXEMU_HEALTH_PARAM_H
#define _CXEMU_HEALTH_PARAM_H

#include <linux/compiler.h>
#include <linux/moduleparam.h>

/*
 * How often a bound function's firmware is looked at (health.rs), as
 * mlx5_core's health poll does every two seconds; 0 pauses the poll.
 */
static unsigned int health_poll_ms = 2000;
module_param(health_poll_ms, uint, 0644);
MODULE_PARM_DESC(health_poll_ms,
		 "milliseconds between two looks at the firmware's generation (0: paused)");

unsigned int cxemu_health_poll_ms(void)
{
	return READ_ONCE(health_poll_ms);
}

#endif /* _CXEMU_HEALTH_PARAM_H */
