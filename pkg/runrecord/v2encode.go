package runrecord

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// intervalEncoder writes interval-log lines of histograms, sparse or
// plain, in the standard V2 compressed format, byte for byte what
// hdrhistogram-go's HistogramLogWriter writes
// (TestIntervalEncoderMatchesLibrary, TestHistogramLineMatchesLibrary),
// but with one zlib writer reused for every histogram.
//
// Why by hand: the library builds a new zlib writer for each histogram,
// about 800 KiB of compressor state and 1-3 ms on a 2-core box; a groups
// log encodes three histograms per group per interval, which at 64 busy
// groups was most of a core. The run's own latency.hlog encodes three a
// second: 1-11 ms of a CPU each second, which the attack's workers waited
// behind (dispatch lag p99 at 5,000 req/s 0.28-0.86 ms with it, 0.16-0.22
// ms without it; BENCHMARKS.md). Resetting one writer costs a memclr of
// its tables instead. The run's log now comes from sparse series (encode);
// plain histograms (encodeHistogram) are the merged logs of several runs.
type intervalEncoder struct {
	payload bytes.Buffer
	next    int64 // the next counts index putBucket writes
	inner   bytes.Buffer
	z       bytes.Buffer
	zw      *zlib.Writer
	out     []byte
	b64     []byte
	line    []byte
}

// V2 format constants (hdrhistogram-go's, where they are unexported).
const (
	v2EncodingCookie   = hdr.V2EncodingCookieBase | 0x10
	v2CompressedCookie = hdr.V2CompressedEncodingCookieBase | 0x10
	v2HeaderSize       = 40
)

// writeLine writes "Tag=T,start,length,max,payload\n" for h, with times
// relative to baseMs, as HistogramLogWriter.OutputIntervalPackedHistogram.
func (e *intervalEncoder) writeLine(w io.Writer, h *hdr.PackedHistogram, tag string, startMs, endMs, baseMs int64) error {
	payload, err := e.encode(h)
	if err != nil {
		return err
	}
	return e.emit(w, payload, tag, startMs, endMs, baseMs, h.Max())
}

// writeHistogramLine writes h's line (its own tag and times, relative to
// baseMs), as HistogramLogWriter.OutputIntervalHistogram.
func (e *intervalEncoder) writeHistogramLine(w io.Writer, h *hdr.Histogram, baseMs int64) error {
	payload, maxV, err := e.encodeHistogram(h)
	if err != nil {
		return err
	}
	return e.emit(w, payload, h.Tag(), h.StartTimeMs(), h.EndTimeMs(), baseMs, maxV)
}

// emit writes one line around an encoded histogram whose maximum is maxV.
func (e *intervalEncoder) emit(w io.Writer, payload []byte, tag string, startMs, endMs, baseMs, maxV int64) error {
	start := (float64(startMs) - float64(baseMs)) / 1000.0
	end := (float64(endMs) - float64(baseMs)) / 1000.0
	l := e.line[:0]
	if tag != "" {
		l = append(l, "Tag="...)
		l = append(l, tag...)
		l = append(l, ',')
	}
	// %f in the library: six decimals.
	l = strconv.AppendFloat(l, start, 'f', 6, 64)
	l = append(l, ',')
	l = strconv.AppendFloat(l, end-start, 'f', 6, 64)
	l = append(l, ',')
	l = strconv.AppendFloat(l, float64(maxV)/hdr.MsToNsRatio, 'f', 6, 64)
	l = append(l, ',')
	l = append(l, payload...)
	l = append(l, '\n')
	e.line = l
	_, err := w.Write(l)
	return err
}

// encode returns h in the base64 V2 compressed format. The slice is
// reused by the next call.
func (e *intervalEncoder) encode(h *hdr.PackedHistogram) ([]byte, error) {
	g := geometryOf(h.SignificantFigures(), h.LowestTrackableValue())
	e.payload.Reset()
	e.next = 0
	for value, count := range h.ForEachBucket {
		e.putBucket(g.countsIndex(value), count)
	}
	e.putGap(g.countsIndex(h.Max()) + 1)
	return e.compress(h.SignificantFigures(), h.LowestTrackableValue(), h.HighestTrackableValue(), 1) // NewPacked's integer to double ratio
}

// encodeHistogram returns h in the base64 V2 compressed format, like
// encode, and h.Max(). The counts come from a copy (Export): the library
// keeps its counts array to itself, and its Max walks every bucket, so
// the maximum is read off the copy too.
func (e *intervalEncoder) encodeHistogram(h *hdr.Histogram) ([]byte, int64, error) {
	snap := h.Export()
	g := geometryOf(snap.SignificantFigures, snap.LowestTrackableValue)
	top := int64(0) // the highest non-empty bucket, Max's
	for i := int64(len(snap.Counts)) - 1; i > 0; i-- {
		if snap.Counts[i] != 0 {
			top = i
			break
		}
	}
	e.payload.Reset()
	e.next = 0
	for i, c := range snap.Counts[:top+1] {
		if c != 0 {
			e.putBucket(int64(i), c)
		}
	}
	e.putGap(top + 1)
	ratio := snap.IntegerToDoubleConversionRatio
	if ratio == 0 {
		ratio = 1 // the library's getIntegerToDoubleValueConversionRatio
	}
	b, err := e.compress(snap.SignificantFigures, snap.LowestTrackableValue, snap.HighestTrackableValue, ratio)
	return b, g.highestInBucket(top), err // the library's Max, empty or not
}

// putBucket appends a non-empty bucket (counts index idx, in index
// order) to the V2 payload in e.payload, after the run of empty ones
// before it; putGap(top+1) ends the payload at index top, Max's bucket,
// as the library does (one zero for an empty histogram). Counts are
// ZigZag LEB128, a run of empty buckets its negated length (a single one
// a zero).
func (e *intervalEncoder) putBucket(idx, count int64) {
	e.putGap(idx)
	e.put(count)
	e.next = idx + 1
}

// putGap writes the empty buckets from e.next up to (not including) idx.
func (e *intervalEncoder) putGap(idx int64) {
	if n := idx - e.next; n == 1 {
		e.put(0)
	} else if n > 1 {
		e.put(-n)
	}
}

func (e *intervalEncoder) put(v int64) {
	var zz [10]byte
	e.payload.Write(zz[:zigZag(zz[:], v)])
}

// compress frames e.payload (the counts) with the V2 header, compresses
// it with the reused zlib writer and returns it in base64.
func (e *intervalEncoder) compress(sig, lowest, highest int64, ratio float64) ([]byte, error) {
	e.inner.Reset()
	var hb [v2HeaderSize]byte
	binary.BigEndian.PutUint32(hb[0:], uint32(v2EncodingCookie))
	binary.BigEndian.PutUint32(hb[4:], uint32(e.payload.Len()))
	binary.BigEndian.PutUint32(hb[8:], 0) // normalizing index offset
	binary.BigEndian.PutUint32(hb[12:], uint32(int32(sig)))
	binary.BigEndian.PutUint64(hb[16:], uint64(lowest))
	binary.BigEndian.PutUint64(hb[24:], uint64(highest))
	binary.BigEndian.PutUint64(hb[32:], math.Float64bits(ratio))
	e.inner.Write(hb[:])
	e.inner.Write(e.payload.Bytes())

	e.resetZlib()
	if _, err := e.zw.Write(e.inner.Bytes()); err != nil {
		return nil, fmt.Errorf("encode histogram: %w", err)
	}
	if err := e.zw.Close(); err != nil {
		return nil, fmt.Errorf("encode histogram: %w", err)
	}
	e.out = e.out[:0]
	e.out = binary.BigEndian.AppendUint32(e.out, uint32(v2CompressedCookie))
	e.out = binary.BigEndian.AppendUint32(e.out, uint32(e.z.Len()))
	e.out = append(e.out, e.z.Bytes()...)
	n := base64.StdEncoding.EncodedLen(len(e.out))
	if cap(e.b64) < n {
		e.b64 = make([]byte, n)
	}
	e.b64 = e.b64[:n]
	base64.StdEncoding.Encode(e.b64, e.out)
	return e.b64, nil
}

// geometry is the bucket layout of an HdrHistogram (hdrhistogram-go's
// countsIndexFor), enough to place a bucket's value in the counts array.
type geometry struct {
	unitMagnitude, subBucketHalfCountMagnitude int64
	subBucketHalfCount, subBucketMask          int64
}

func geometryOf(sig, lowest int64) geometry {
	largest := 2 * math.Pow10(int(sig))
	subBucketCountMagnitude := int64(math.Ceil(math.Log2(largest)))
	half := max(subBucketCountMagnitude, 1) - 1
	unit := max(int64(math.Floor(math.Log2(float64(lowest)))), 0)
	subBucketCount := int64(1) << (half + 1)
	return geometry{
		unitMagnitude:               unit,
		subBucketHalfCountMagnitude: half,
		subBucketHalfCount:          subBucketCount / 2,
		subBucketMask:               (subBucketCount - 1) << unit,
	}
}

func (g geometry) countsIndex(v int64) int64 {
	bucket := int64(64-bits.LeadingZeros64(uint64(v|g.subBucketMask))) - g.unitMagnitude - (g.subBucketHalfCountMagnitude + 1)
	sub := v >> (bucket + g.unitMagnitude)
	return (bucket+1)<<g.subBucketHalfCountMagnitude + sub - g.subBucketHalfCount
}

// resetZlib points the zlib writer, made on first use, at an empty e.z.
func (e *intervalEncoder) resetZlib() {
	e.z.Reset()
	if e.zw == nil {
		e.zw, _ = zlib.NewWriterLevel(&e.z, zlib.BestCompression) // a valid level cannot fail
		return
	}
	e.zw.Reset(&e.z)
}

// warm makes the zlib writer and runs it once, so that the first line,
// written while an attack runs, does not allocate and fault in its
// tables (about 1 MB; the first interval's writer took 17-22 ms of the
// first second on the 2-core VM without this).
func (e *intervalEncoder) warm() {
	e.resetZlib()
	_ = e.zw.Close() // into a buffer: cannot fail
	e.z.Reset()
}

// highestInBucket is the highest value that counts index idx holds
// (the library's highestEquivalentValue of its valueFromIndex).
func (g geometry) highestInBucket(idx int64) int64 {
	bucket := idx>>g.subBucketHalfCountMagnitude - 1
	sub := idx&(g.subBucketHalfCount-1) + g.subBucketHalfCount
	if bucket < 0 {
		sub -= g.subBucketHalfCount
		bucket = 0
	}
	return sub<<(bucket+g.unitMagnitude) + 1<<(bucket+g.unitMagnitude) - 1
}

// zigZag writes v as the format's ZigZag LEB128 (at most 9 bytes, the
// ninth holding 8 bits) into b and returns its length.
func zigZag(b []byte, v int64) int {
	u := uint64((v << 1) ^ (v >> 63))
	for i := 0; i < 8; i++ {
		if u>>7 == 0 {
			b[i] = byte(u)
			return i + 1
		}
		b[i] = byte(u&0x7f) | 0x80
		u >>= 7
	}
	b[8] = byte(u)
	return 9
}
