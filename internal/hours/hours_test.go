package hours

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// at is a wall-clock time in 2026 in UTC; 2026-03-02 is a Monday.
func at(month time.Month, dayOfMonth, hour, minute, second int) time.Time {
	return time.Date(2026, month, dayOfMonth, hour, minute, second, 0, time.UTC)
}

func TestParseAlways(t *testing.T) {
	for _, spec := range []string{"", "  ", "always", "ALWAYS", " Always "} {
		s, err := Parse(spec)
		require.NoError(t, err, spec)
		for _, tm := range []time.Time{at(3, 1, 0, 0, 0), at(3, 4, 3, 33, 0), at(3, 7, 23, 59, 59)} {
			require.True(t, s.Open(tm), "%q at %s", spec, tm)
		}
	}
	require.False(t, Schedule{}.Open(at(3, 2, 12, 0, 0)), "the zero Schedule is never open")
}

func TestOpen(t *testing.T) {
	type check struct {
		at   time.Time
		open bool
	}
	cases := []struct {
		name, spec string
		checks     []check
	}{
		{"weekdays and saturday", "mon-fri 09:00-18:00;sat 10:00-16:00;sun closed", []check{
			{at(3, 2, 8, 59, 59), false}, // Monday
			{at(3, 2, 9, 0, 0), true},
			{at(3, 2, 17, 59, 59), true},
			{at(3, 2, 18, 0, 0), false},
			{at(3, 6, 12, 0, 0), true},  // Friday
			{at(3, 7, 9, 59, 0), false}, // Saturday
			{at(3, 7, 10, 0, 0), true},
			{at(3, 7, 16, 0, 0), false},
			{at(3, 8, 12, 0, 0), false}, // Sunday
		}},
		{"two ranges a day", "mon-fri 09:00-12:00,13:00-18:00", []check{
			{at(3, 3, 11, 59, 0), true},
			{at(3, 3, 12, 0, 0), false},
			{at(3, 3, 12, 59, 59), false},
			{at(3, 3, 13, 0, 0), true},
		}},
		{"past midnight belongs to the starting day", "fri 22:00-02:00", []check{
			{at(3, 6, 21, 59, 59), false}, // Friday
			{at(3, 6, 22, 0, 0), true},
			{at(3, 6, 23, 59, 59), true},
			{at(3, 7, 0, 0, 0), true}, // Saturday morning is still Friday's shift
			{at(3, 7, 1, 59, 59), true},
			{at(3, 7, 2, 0, 0), false},
			{at(3, 6, 1, 0, 0), false}, // Friday morning: Thursday has no night shift
			{at(3, 7, 22, 30, 0), false},
		}},
		{"a closed next day does not cut the night short", "fri 22:00-02:00; sat closed", []check{
			{at(3, 7, 1, 0, 0), true},
			{at(3, 7, 12, 0, 0), false},
		}},
		{"past midnight wraps the week", "sun 22:00-02:00", []check{
			{at(3, 8, 23, 0, 0), true},
			{at(3, 9, 1, 0, 0), true}, // Monday
			{at(3, 9, 2, 0, 0), false},
		}},
		{"24:00 ends the day", "mon 18:00-24:00", []check{
			{at(3, 2, 23, 59, 59), true},
			{at(3, 3, 0, 0, 0), false},
		}},
		{"whole day", "wed 00:00-24:00", []check{
			{at(3, 4, 0, 0, 0), true},
			{at(3, 4, 23, 59, 59), true},
			{at(3, 3, 23, 59, 59), false},
			{at(3, 5, 0, 0, 0), false},
		}},
		{"day list", "mon,wed 10:00-11:00", []check{
			{at(3, 2, 10, 30, 0), true},
			{at(3, 3, 10, 30, 0), false},
			{at(3, 4, 10, 30, 0), true},
		}},
		{"day range wrapping the week", "fri-mon 10:00-11:00", []check{
			{at(3, 6, 10, 30, 0), true},
			{at(3, 7, 10, 30, 0), true},
			{at(3, 8, 10, 30, 0), true},
			{at(3, 9, 10, 30, 0), true},
			{at(3, 10, 10, 30, 0), false},
			{at(3, 12, 10, 30, 0), false},
		}},
		{"a later rule replaces an earlier one", "mon-sun 09:00-18:00; sun closed; sat 12:00-13:00", []check{
			{at(3, 6, 10, 0, 0), true},
			{at(3, 7, 10, 0, 0), false},
			{at(3, 7, 12, 30, 0), true},
			{at(3, 8, 10, 0, 0), false},
		}},
		{"overlapping ranges", "tue 09:00-12:00,11:00-14:00", []check{
			{at(3, 3, 11, 30, 0), true},
			{at(3, 3, 13, 30, 0), true},
			{at(3, 3, 14, 0, 0), false},
		}},
		{"unnamed days are closed", "tue 09:00-18:00", []check{
			{at(3, 2, 12, 0, 0), false},
		}},
		{"case, spaces, full names, trailing semicolon", "  MONDAY - Friday  9:00 - 12:00 , 13:00-18:00 ; Sun Closed ; ", []check{
			{at(3, 2, 9, 0, 0), true},
			{at(3, 6, 12, 30, 0), false},
			{at(3, 6, 17, 0, 0), true},
			{at(3, 8, 10, 0, 0), false},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse(c.spec)
			require.NoError(t, err)
			for _, ch := range c.checks {
				require.Equal(t, ch.open, s.Open(ch.at), "%s (%s)", ch.at.Format(time.DateTime), ch.at.Weekday())
			}
		})
	}
}

func TestOpenAtTimeZones(t *testing.T) {
	utc := func(year int, month time.Month, dayOfMonth, hour, minute int) time.Time {
		return time.Date(year, month, dayOfMonth, hour, minute, 0, 0, time.UTC)
	}
	cases := []struct {
		name, spec, tz string
		at             time.Time
		open           bool
	}{
		// New York springs forward on Sun 2026-03-08 at 02:00 EST to 03:00 EDT.
		{"NY friday before: 13:30Z is 08:30 EST", "mon-fri 09:00-18:00", "America/New_York", utc(2026, 3, 6, 13, 30), false},
		{"NY monday after: 13:30Z is 09:30 EDT", "mon-fri 09:00-18:00", "America/New_York", utc(2026, 3, 9, 13, 30), true},
		{"NY friday before: 22:30Z is 17:30 EST", "mon-fri 09:00-18:00", "America/New_York", utc(2026, 3, 6, 22, 30), true},
		{"NY monday after: 22:30Z is 18:30 EDT", "mon-fri 09:00-18:00", "America/New_York", utc(2026, 3, 9, 22, 30), false},
		{"NY spring forward: 01:59 EST", "sun 01:00-03:00", "America/New_York", utc(2026, 3, 8, 6, 59), true},
		{"NY spring forward: one minute later is 03:00 EDT", "sun 01:00-03:00", "America/New_York", utc(2026, 3, 8, 7, 0), false},
		{"NY spring forward, night shift: 01:30 EST", "sat 22:00-02:00", "America/New_York", utc(2026, 3, 8, 6, 30), true},
		{"NY spring forward, night shift: 03:30 EDT", "sat 22:00-02:00", "America/New_York", utc(2026, 3, 8, 7, 30), false},
		// New York falls back on Sun 2026-11-01 at 02:00 EDT to 01:00 EST: 01:30 happens twice.
		{"NY fall back: first 01:30 (EDT)", "sun 01:00-02:00", "America/New_York", utc(2026, 11, 1, 5, 30), true},
		{"NY fall back: second 01:30 (EST)", "sun 01:00-02:00", "America/New_York", utc(2026, 11, 1, 6, 30), true},
		{"NY fall back: 02:00 EST", "sun 01:00-02:00", "America/New_York", utc(2026, 11, 1, 7, 0), false},
		{"NY fall back, night shift: second 01:30", "sat 22:00-02:00", "America/New_York", utc(2026, 11, 1, 6, 30), true},
		{"NY fall back, night shift: 02:00 EST", "sat 22:00-02:00", "America/New_York", utc(2026, 11, 1, 7, 0), false},
		// Shanghai keeps UTC+8 all year: the New York switch changes nothing there.
		{"Shanghai: 00:59Z is 08:59", "mon-fri 09:00-18:00", "Asia/Shanghai", utc(2026, 3, 9, 0, 59), false},
		{"Shanghai: 01:00Z is 09:00", "mon-fri 09:00-18:00", "Asia/Shanghai", utc(2026, 3, 9, 1, 0), true},
		{"Shanghai: 09:59Z is 17:59", "mon-fri 09:00-18:00", "Asia/Shanghai", utc(2026, 3, 6, 9, 59), true},
		{"Shanghai: 10:00Z is 18:00", "mon-fri 09:00-18:00", "Asia/Shanghai", utc(2026, 3, 6, 10, 0), false},
		{"Shanghai: Sunday 16:00Z is Monday 00:00", "mon 00:00-01:00", "Asia/Shanghai", utc(2026, 3, 8, 16, 0), true},
		{"Shanghai: same instant in UTC is Sunday", "mon 00:00-01:00", "", utc(2026, 3, 8, 16, 0), false},
		// China kept daylight saving time from 1986 to 1991; in 1991 it began
		// on Sun 14 April and ended on Sun 15 September.
		{"Shanghai 1991 before DST: 00:30Z is 08:30 CST", "sun 09:00-18:00", "Asia/Shanghai", utc(1991, 4, 7, 0, 30), false},
		{"Shanghai 1991 DST day: 00:30Z is 09:30 CDT", "sun 09:00-18:00", "Asia/Shanghai", utc(1991, 4, 14, 0, 30), true},
		{"Shanghai 1991 last DST sunday: 00:30Z is 09:30 CDT", "sun 09:00-18:00", "Asia/Shanghai", utc(1991, 9, 8, 0, 30), true},
		{"Shanghai 1991 DST over: 00:30Z is 08:30 CST", "sun 09:00-18:00", "Asia/Shanghai", utc(1991, 9, 15, 0, 30), false},
		{"always, in any zone", "always", "Asia/Shanghai", utc(2026, 3, 8, 3, 0), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse(c.spec)
			require.NoError(t, err)
			open, err := s.OpenAt(c.at, c.tz)
			require.NoError(t, err)
			require.Equal(t, c.open, open)
		})
	}
}

func TestOpenReadsTheTimesOwnLocation(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	s, err := Parse("mon-fri 09:00-18:00")
	require.NoError(t, err)
	// One instant: 08:30 in New York, 12:30 in UTC.
	instant := time.Date(2026, 3, 9, 8, 30, 0, 0, ny)
	require.False(t, s.Open(instant))
	require.True(t, s.Open(instant.UTC()))
}

func TestOpenAtBadTimeZone(t *testing.T) {
	for _, spec := range []string{"always", "mon-fri 09:00-18:00"} {
		s, err := Parse(spec)
		require.NoError(t, err)
		_, err = s.OpenAt(time.Now(), "Mars/Olympus_Mons")
		require.ErrorContains(t, err, `working hours time zone "Mars/Olympus_Mons"`)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		spec, want string
	}{
		{";", `working hours ";": no rules`},
		{" ; ; ", `no rules`},
		{"sometimes", `working hours rule "sometimes": want days and times`},
		{"mon-fri", `working hours rule "mon-fri": want days and times`},
		{"mon-fri 09:00-18:00 sharp", `rule "mon-fri 09:00-18:00 sharp": want days and times`},
		{"mon-fri 09:00-18:00; always", `rule "always": want days and times`},
		{"funday 09:00-18:00", `rule "funday 09:00-18:00": unknown day "funday"`},
		{"mon-fry 09:00-18:00", `unknown day "fry"`},
		{"mon- 09:00-18:00", `rule "mon- 09:00-18:00": missing day`},
		{"mon,,wed 09:00-18:00", `missing day`},
		{"mon-fri 9am-5pm", `rule "mon-fri 9am-5pm": bad time "9am" (want HH:MM`},
		{"mon-fri 09:00", `bad time range "09:00" (want HH:MM-HH:MM, or closed)`},
		{"mon-fri 0900-1800", `bad time "0900"`},
		{"mon-fri 09:00-", `bad time ""`},
		{"mon-fri 9:0-18:00", `bad time "9:0"`},
		{"mon-fri 09:00-18:00-20:00", `bad time "18:00-20:00"`},
		{"mon-fri 25:00-26:00", `bad time "25:00": hour must be 00 to 23 (or 24:00 as an end)`},
		{"mon-fri 09:00-24:30", `bad time "24:30": hour must be 00 to 23`},
		{"mon-fri 09:60-18:00", `bad time "09:60": minute must be 00 to 59`},
		{"mon-fri 24:00-02:00", `time range "24:00-02:00" starts at 24:00`},
		{"mon-fri 09:00-09:00", `time range "09:00-09:00" is empty (for a whole day write 00:00-24:00)`},
		{"mon-fri 09:00-12:00,closed", `"09:00-12:00,closed" mixes closed with times`},
		{"sun closed,10:00-12:00", `mixes closed with times`},
		{"mon-fri 09:00-18:00;sat 10:00-16:0O", `rule "sat 10:00-16:0O": bad time "16:0o"`},
	}
	for _, c := range cases {
		t.Run(c.spec, func(t *testing.T) {
			s, err := Parse(c.spec)
			require.ErrorContains(t, err, c.want)
			require.Equal(t, Schedule{}, s)
		})
	}
}
