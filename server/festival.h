/* SPDX-License-Identifier: MIT */
/*
 * festival.h: the festivals crm greets customers on (seed 000: 节日问候):
 * 元旦 and 国庆 on fixed dates, 春节, 元宵, 端午 and 中秋 from a table of
 * the lunar calendar's Gregorian dates for the years it covers.
 */
#ifndef FESTIVAL_H
#define FESTIVAL_H

#include <stdint.h>

/* FESTIVAL_LUNAR_FIRST, FESTIVAL_LUNAR_LAST: the years the lunar table
 * covers; outside them only the fixed-date festivals are known. */
#define FESTIVAL_LUNAR_FIRST 2024
#define FESTIVAL_LUNAR_LAST  2031

/* festival_date: the month and day of festival `name` (春节, 元宵, 端午,
 * 中秋, 国庆, 元旦) in `year`; 0 when unknown (a lunar one outside the
 * table, or not a festival). */
int festival_date(const char *name, int year, int *month, int *day);

/* festival_next: the first festival strictly after `after` (UTC
 * seconds), at `hour` o'clock local time on its day: *at and its *name
 * (static). 0 when none is known within two years. */
int festival_next(int64_t after, int hour, int64_t *at, const char **name);

/* festival_goal: the greeting task's goal of a festival name, e.g.
 * "春节问候 (festival greeting)" (static; NULL when not a festival). */
const char *festival_goal(const char *name);

/* festival_of_goal: the festival name of a greeting goal, NULL when the
 * goal is not a festival greeting. */
const char *festival_of_goal(const char *goal);

#endif
