//go:build !linux

package main

import (
	"errors"
	"time"
)

func sleeper(gap, d time.Duration) ([]time.Duration, error) {
	return nil, errors.New("-floor: the sleeper needs Linux (clock_nanosleep)")
}
