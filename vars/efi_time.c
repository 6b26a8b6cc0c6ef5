/* SPDX-License-Identifier: MIT */
#include "vars/efi_time.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/bytes.h"
#include "common/hex.h"

/* Offsets of EFI_TIME fields (UEFI spec, EFI_TIME). */
enum {
	T_YEAR = 0,
	T_MONTH = 2,
	T_DAY = 3,
	T_HOUR = 4,
	T_MINUTE = 5,
	T_SECOND = 6,
	T_PAD1 = 7,
	T_NANOSECOND = 8,
	T_TIMEZONE = 12,
	T_DAYLIGHT = 14,
	T_PAD2 = 15,
};

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : days[m - 1];
}

static bool fields_valid(unsigned y, unsigned mo, unsigned dd, unsigned h, unsigned mi, unsigned s)
{
	return y >= 1900 && y <= 9999 && mo >= 1 && mo <= 12 && dd >= 1 &&
	       dd <= days_in_month(y, mo) && h <= 23 && mi <= 59 && s <= 59;
}

static void encode(struct vars_time *t, unsigned y, unsigned mo, unsigned dd, unsigned h,
		   unsigned mi, unsigned s)
{
	memset(t->b, 0, sizeof(t->b));
	ik_put_le16(t->b + T_YEAR, (uint16_t)y);
	t->b[T_MONTH] = (uint8_t)mo;
	t->b[T_DAY] = (uint8_t)dd;
	t->b[T_HOUR] = (uint8_t)h;
	t->b[T_MINUTE] = (uint8_t)mi;
	t->b[T_SECOND] = (uint8_t)s;
}

int vars_time_from_epoch(int64_t secs, struct vars_time *ret, struct ik_diag *d)
{
	struct tm tm;
	time_t tt = (time_t)secs;

	if ((int64_t)tt != secs || !gmtime_r(&tt, &tm))
		return ik_fail(d, -ERANGE, "time %" PRId64 " cannot be represented", secs);
	if (tm.tm_year < 0 || tm.tm_year + 1900 > 9999)
		return ik_fail(d, -ERANGE,
			       "time %" PRId64 " is outside the EFI_TIME years 1900..9999", secs);
	encode(ret, (unsigned)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday,
	       (unsigned)tm.tm_hour, (unsigned)tm.tm_min, (unsigned)tm.tm_sec);
	return 0;
}

int vars_time_parse(const char *s, struct vars_time *ret, struct ik_diag *d)
{
	unsigned y, mo, dd, h, mi, sec;
	char sep, tail[2];
	int n;

	if (strcmp(s, "0") == 0) {
		memset(ret->b, 0, sizeof(ret->b));
		return 0;
	}
	if (s[0] == '@') {
		uint64_t v;
		if (ik_parse_u64(s + 1, &v) < 0 || v > INT64_MAX)
			return ik_fail(d, -EINVAL, "expected '@SECONDS' (Unix time), got '%s'", s);
		return vars_time_from_epoch((int64_t)v, ret, d);
	}
	n = sscanf(s, "%4u-%2u-%2u%c%2u:%2u:%2u%1s", &y, &mo, &dd, &sep, &h, &mi, &sec, tail);
	if (!(n == 7 || (n == 8 && tail[0] == 'Z')) || (sep != ' ' && sep != 'T') ||
	    strlen(s) < 19)
		return ik_fail(d, -EINVAL,
			       "expected a time as 'YYYY-MM-DD HH:MM:SS' (UTC), '@SECONDS' or '0', "
			       "got '%s'",
			       s);
	if (!fields_valid(y, mo, dd, h, mi, sec))
		return ik_fail(d, -EINVAL, "'%s' is not a valid date and time in years 1900..9999",
			       s);
	encode(ret, y, mo, dd, h, mi, sec);
	return 0;
}

int64_t vars_time_to_epoch(const struct vars_time *t)
{
	const uint8_t *b = t->b;
	int64_t y = ik_get_le16(b + T_YEAR), m = b[T_MONTH], days;

	if (vars_time_is_zero(b))
		return 0;
	/* Days from 1970-01-01 to Y-M-D in the proleptic Gregorian calendar (March-based years). */
	y -= m <= 2;
	days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 +
	       b[T_DAY] - 1 - 719468;
	return days * 86400 + b[T_HOUR] * 3600 + b[T_MINUTE] * 60 + b[T_SECOND];
}

bool vars_time_is_zero(const uint8_t b[VARS_EFI_TIME_SIZE])
{
	return ik_all_zero(b, VARS_EFI_TIME_SIZE);
}

int vars_time_check(const uint8_t b[VARS_EFI_TIME_SIZE], struct ik_diag *d)
{
	if (vars_time_is_zero(b))
		return 0;
	if (b[T_PAD1] || ik_get_le32(b + T_NANOSECOND) || ik_get_le16(b + T_TIMEZONE) ||
	    b[T_DAYLIGHT] || b[T_PAD2])
		return ik_fail(d, -EBADMSG,
			       "EFI_TIME Pad1, Nanosecond, TimeZone, Daylight and Pad2 must be zero "
			       "for authenticated variables");
	if (!fields_valid(ik_get_le16(b + T_YEAR), b[T_MONTH], b[T_DAY], b[T_HOUR], b[T_MINUTE],
			  b[T_SECOND]))
		return ik_fail(d, -EBADMSG, "EFI_TIME %u-%u-%u %u:%u:%u is not a valid time",
			       ik_get_le16(b + T_YEAR), b[T_MONTH], b[T_DAY], b[T_HOUR],
			       b[T_MINUTE], b[T_SECOND]);
	return 0;
}

void vars_time_format(const uint8_t b[VARS_EFI_TIME_SIZE], char out[VARS_EFI_TIME_STR_LEN])
{
	snprintf(out, VARS_EFI_TIME_STR_LEN, "%04u-%02u-%02u %02u:%02u:%02u",
		 ik_get_le16(b + T_YEAR) % 10000u, b[T_MONTH] % 100u, b[T_DAY] % 100u,
		 b[T_HOUR] % 100u, b[T_MINUTE] % 100u, b[T_SECOND] % 100u);
}

int vars_time_default(const char *given, const char *source_date_epoch, struct vars_time *ret,
		      struct ik_diag *d)
{
	struct vars_time t;
	uint64_t secs;
	int r;

	if (given) {
		r = vars_time_parse(given, &t, d);
		if (r < 0)
			return r;
		*ret = t;
		return 1;
	}
	if (!source_date_epoch || !*source_date_epoch)
		return 0;
	/* Its own message whatever the cause: the variable is what the user fixes. */
	if (ik_parse_u64(source_date_epoch, &secs) < 0 || secs > INT64_MAX ||
	    vars_time_from_epoch((int64_t)secs, &t, NULL) < 0)
		return ik_fail_at(d, -EINVAL, "SOURCE_DATE_EPOCH",
				  "SOURCE_DATE_EPOCH must be a number of seconds, got '%s'",
				  source_date_epoch);
	*ret = t;
	return 1;
}
