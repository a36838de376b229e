package junit_test

import (
	"os"

	"github.com/loadgen/loadgen/pkg/report/junit"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

func ExampleWriteRun() {
	run := &runrecord.Run{Kind: "attack", Name: "checkout", Summary: runrecord.Summary{
		SLO: &runrecord.SLOResult{Checks: []runrecord.SLOCheck{{Expr: "p99<50ms", Value: 73.2, Unit: "ms"}}}}}
	junit.WriteRun(os.Stdout, run)
	// Output:
	// <testsuites tests="1" failures="1">
	// 	<testsuite name="loadgen attack checkout" tests="1" failures="1" errors="0" id="0" time="0.000" timestamp="0001-01-01T00:00:00Z">
	// 		<properties>
	// 			<property name="schedule" value=""></property>
	// 		</properties>
	// 		<testcase name="slo p99&lt;50ms" classname="loadgen.attack">
	// 			<failure message="p99&lt;50ms: measured 73.2ms" type="slo"><![CDATA[p99<50ms: measured 73.2ms]]></failure>
	// 		</testcase>
	// 	</testsuite>
	// </testsuites>
}
