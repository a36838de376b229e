//go:build !race

package attack

// rawIOEnabled: raw socket I/O outside race builds (see rawIO).
const rawIOEnabled = true
