package attack

import (
	"math"
	"testing"
	"time"
)

func TestConstantDueMatchesVegeta(t *testing.T) {
	c := Constant{Freq: 5000, Per: time.Second}
	for _, n := range []uint64{0, 1, 4999, 49999} {
		got, ok := c.Due(n)
		want := time.Duration(n+1) * 200 * time.Microsecond
		if !ok || got != want {
			t.Errorf("Due(%d) = %v, %v; want %v", n, got, ok, want)
		}
	}
	if h := c.Hits(10 * time.Second); h != 50000 {
		t.Errorf("Hits(10s) = %d, want 50000", h)
	}
	// A rate that does not divide the period: Due must not drift.
	c3 := Constant{Freq: 3, Per: time.Second}
	if d, _ := c3.Due(2999); d != 1000*time.Second {
		t.Errorf("3/s Due(2999) = %v, want 1000s", d)
	}
}

// Every schedule must agree with itself: Hits(Due(n)) counts hit n.
func TestDueAndHitsAgree(t *testing.T) {
	stages, err := ParseStages("2s:100,3s:1000,0s:500,2s:500,1s:0")
	if err != nil {
		t.Fatal(err)
	}
	sine, err := ParseSine("mean=300,amp=200,period=2s")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Schedule{Constant{Freq: 777, Per: time.Second}, Constant{Freq: 5, Per: 100 * time.Millisecond}, stages, sine} {
		var prev time.Duration
		for n := uint64(0); n < 2000; n++ {
			d, ok := s.Due(n)
			if !ok {
				break
			}
			if d < prev {
				t.Fatalf("%s: Due(%d)=%v before Due(%d)=%v", s, n, d, n-1, prev)
			}
			prev = d
			if h := s.Hits(d + time.Microsecond); h < n+1 {
				t.Fatalf("%s: Hits(Due(%d)=%v) = %d, want >= %d", s, n, d, h, n+1)
			}
			if d > time.Microsecond {
				if h := s.Hits(d - time.Microsecond); h > n {
					t.Fatalf("%s: Hits just before Due(%d)=%v is %d, want <= %d", s, n, d, h, n)
				}
			}
		}
	}
}

func TestStagesShape(t *testing.T) {
	s, err := ParseStages("10s:1000,10s:1000,10s:0")
	if err != nil {
		t.Fatal(err)
	}
	// Ramp 0->1000 over 10 s is 5000 hits, then 10000 flat, then 5000 down.
	for _, c := range []struct {
		at   time.Duration
		hits uint64
	}{{10 * time.Second, 5000}, {20 * time.Second, 15000}, {30 * time.Second, 20000}, {time.Hour, 20000}} {
		if h := s.Hits(c.at); h != c.hits {
			t.Errorf("Hits(%v) = %d, want %d", c.at, h, c.hits)
		}
	}
	// Hit 4999 (the 5000th) is due at the end of the ramp: sqrt(2*5000/100) = 10 s.
	if d, _ := s.Due(4999); (d - 10*time.Second).Abs() > time.Millisecond {
		t.Errorf("Due(4999) = %v, want 10s", d)
	}
	if _, ok := s.Due(20000); ok {
		t.Error("Due past the last stage should report the end")
	}
	if s.End() != 30*time.Second {
		t.Errorf("End = %v", s.End())
	}
	if r := s.Rate(5 * time.Second); math.Abs(r-500) > 1e-6 {
		t.Errorf("Rate(5s) = %v, want 500", r)
	}
}

func TestSineTotals(t *testing.T) {
	s, err := ParseSine("mean=1000,amp=500,period=10s")
	if err != nil {
		t.Fatal(err)
	}
	// Over whole periods the sine averages to the mean.
	if h := s.Hits(20 * time.Second); h < 19999 || h > 20001 {
		t.Errorf("Hits over two periods = %d, want 20000", h)
	}
	// A quarter period in, the rate peaks: more hits than the mean gives.
	if s.Hits(5*time.Second) <= 5000 {
		t.Errorf("first half period should run above the mean, got %d", s.Hits(5*time.Second))
	}
}

func TestParseRateErrors(t *testing.T) {
	for _, bad := range []string{"", "x", "-5", "10/", "10/x", "10/-1s", "1.5"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
	for in, want := range map[string]Constant{
		"50":       {50, time.Second},
		"50/s":     {50, time.Second},
		"5/100ms":  {5, 100 * time.Millisecond},
		"60/1m":    {60, time.Minute},
		"0":        {0, time.Second},
		" 10/2s  ": {10, 2 * time.Second},
	} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestParseStagesAndSineErrors(t *testing.T) {
	for _, bad := range []string{"", "30s", "30s:", "x:10", "30s:-1", "-1s:10", "0s:10", "30s:NaN", "30s:10,,"} {
		if _, err := ParseStages(bad); err == nil {
			t.Errorf("ParseStages(%q) accepted", bad)
		}
	}
	for _, bad := range []string{"", "mean=10", "mean=10,amp=20,period=1s", "mean=10,amp=5", "mean=10,amp=5,period=0s", "mean=x,amp=1,period=1s", "foo=1"} {
		if _, err := ParseSine(bad); err == nil {
			t.Errorf("ParseSine(%q) accepted", bad)
		}
	}
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"50", "50/s", "5/100ms", "0", "1/1h", "9999999999/1ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseRate(s)
		if err != nil {
			return
		}
		if c.Freq < 0 || c.Per <= 0 {
			t.Fatalf("ParseRate(%q) = %+v", s, c)
		}
		if c.Freq > 0 {
			a, ok1 := c.Due(0)
			b, ok2 := c.Due(1)
			if ok1 && ok2 && b < a {
				t.Fatalf("Due not monotonic for %q", s)
			}
		}
	})
}

func FuzzParseStages(f *testing.F) {
	for _, s := range []string{"30s:1000,60s:5000,30s:0", "0s:10,1s:10", "1ms:1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseStages(spec)
		if err != nil {
			return
		}
		var prev time.Duration
		for n := uint64(0); n < 50; n++ {
			d, ok := s.Due(n)
			if !ok {
				return
			}
			if d < prev || d < 0 || d > s.End() {
				t.Fatalf("%q: Due(%d)=%v (prev %v, end %v)", spec, n, d, prev, s.End())
			}
			prev = d
		}
	})
}

func FuzzParseSine(f *testing.F) {
	f.Add("mean=1000,amp=500,period=1m")
	f.Add("mean=1,amp=1,period=1ns,phase=3")
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseSine(spec)
		if err != nil {
			return
		}
		a, ok1 := s.Due(0)
		b, ok2 := s.Due(1)
		if ok1 && ok2 && b < a {
			t.Fatalf("%q: Due not monotonic: %v then %v", spec, a, b)
		}
	})
}

// As vegeta Pacers, schedules wait until the next hit is due and stop at
// their end.
func TestScheduleAsVegetaPacer(t *testing.T) {
	c := Constant{Freq: 10, Per: time.Second}
	if wait, stop := c.Pace(250*time.Millisecond, 4); stop || wait != 250*time.Millisecond {
		t.Errorf("Pace(250ms, 4) = %v, %v; want 250ms (hit 4 is due at 500ms)", wait, stop)
	}
	if wait, _ := c.Pace(time.Second, 4); wait > 0 {
		t.Errorf("behind schedule, Pace should send at once, got wait %v", wait)
	}
	s, err := ParseStages("1s:10")
	if err != nil {
		t.Fatal(err)
	}
	if _, stop := s.Pace(2*time.Second, 5); !stop {
		t.Error("stages should stop past their last hit")
	}
}
