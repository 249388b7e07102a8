package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"sakimori/internal/logscan"
	"sakimori/internal/match"
)

func init() {
	Register(Bench{Name: "match-scan",
		Description: "log scanning: Zeek conn.log and dns.log (TSV), Suricata EVE JSON, plain text, lines/s on one core with every observable looked up, against a compiled set of 1M IPv4 + 100k domains and (full-…) against 10M IPv4 + 100k CIDR + 5M domains; and the conn.log scan by grep -F -f with the 1.1M values, as a ratio",
		Run:         runMatchScan})
}

// Sizes of the scanning benchmark (Quick: 1/50).
const (
	ScanSetIPv4    = 1_000_000
	ScanSetDomains = 100_000
	ScanLines      = 1_000_000
)

// scanLog generates n lines of a log in format f: 1% of the addresses and
// names are listed (indicator i of the set), the rest random.
func scanLog(f logscan.Format, n, listedIPs, listedDomains int) []byte {
	var b bytes.Buffer
	var tmp []byte
	ip := func(i int) string {
		x := mix(uint64(i), 7)
		if x%100 == 0 {
			return string(appendIPv4(tmp[:0], MatchIPv4(int(x>>8)%listedIPs)))
		}
		return string(appendIPv4(tmp[:0], uint32(x>>16)))
	}
	dom := func(i int) string {
		x := mix(uint64(i), 9)
		if x%100 == 0 {
			return "www." + string(MatchDomain(nil, int(x>>8)%listedDomains))
		}
		return "host-" + strconv.FormatUint(x>>20, 36) + ".example.com"
	}
	switch f {
	case logscan.FormatZeekTSV:
		b.WriteString("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n")
		b.WriteString("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\n")
		b.WriteString("#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\n")
		for i := range n {
			fmt.Fprintf(&b, "1764460800.%06d\tC%x\t10.%d.%d.%d\t%d\t%s\t443\ttcp\tssl\t0.120000\t512\t4096\tSF\n",
				i%1000000, mix(uint64(i), 3)&0xffffffff, i>>16&255, i>>8&255, i&255, 40000+i%20000, ip(i))
		}
	case "zeek-dns":
		b.WriteString("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n")
		b.WriteString("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tqtype_name\trcode_name\n")
		b.WriteString("#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tstring\tstring\n")
		for i := range n {
			fmt.Fprintf(&b, "1764460800.%06d\tD%x\t10.0.%d.%d\t%d\t10.0.0.53\t53\tudp\t%s\tA\tNOERROR\n",
				i%1000000, mix(uint64(i), 4)&0xffffffff, i>>8&255, i&255, 40000+i%20000, dom(i))
		}
	case logscan.FormatSuricataEVE:
		for i := range n {
			if i%2 == 0 {
				fmt.Fprintf(&b, `{"timestamp":"2026-11-30T00:00:00.%06d+0900","flow_id":%d,"event_type":"flow","src_ip":"10.0.%d.%d","src_port":%d,"dest_ip":"%s","dest_port":443,"proto":"TCP","flow":{"pkts_toserver":10,"bytes_toserver":900}}`+"\n",
					i%1000000, i, i>>8&255, i&255, 40000+i%20000, ip(i))
			} else {
				fmt.Fprintf(&b, `{"timestamp":"2026-11-30T00:00:00.%06d+0900","flow_id":%d,"event_type":"dns","src_ip":"10.0.%d.%d","src_port":%d,"dest_ip":"10.0.0.53","dest_port":53,"proto":"UDP","dns":{"type":"query","id":%d,"rrname":"%s","rrtype":"A"}}`+"\n",
					i%1000000, i, i>>8&255, i&255, 40000+i%20000, i&0xffff, dom(i))
			}
		}
	default: // text
		for i := range n {
			fmt.Fprintf(&b, "Nov 30 00:00:%02d gw01 kernel: blocked connection from %s to %s (%s)\n", i%60, ip(i), ip(i+1), dom(i))
		}
	}
	return b.Bytes()
}

func runMatchScan(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	nIP, nDom, lines := ScanSetIPv4, ScanSetDomains, ScanLines
	if cfg.Quick {
		nIP, nDom, lines = nIP/50, nDom/50, lines/50
	}
	fmt.Fprintf(progress, "match-scan: building %d IPv4 + %d domains\n", nIP, nDom)
	var inds []match.Indicator
	var buf []byte
	var list bytes.Buffer // the same values for grep -F -f
	for i := range nIP {
		v := string(appendIPv4(buf[:0], MatchIPv4(i)))
		inds = append(inds, match.Indicator{Kind: match.KindIPv4, Value: v, ID: "indicator--ip-" + strconv.Itoa(i/MatchValuesPerIndicator), Confidence: -1})
		list.WriteString(v)
		list.WriteByte('\n')
	}
	for i := range nDom {
		v := string(MatchDomain(buf[:0], i))
		inds = append(inds, match.Indicator{Kind: match.KindDomain, Value: v, ID: "indicator--dom-" + strconv.Itoa(i/MatchValuesPerIndicator), Confidence: -1})
		list.WriteString(v)
		list.WriteByte('\n')
	}
	set, problems := match.Build(inds)
	if len(problems) > 0 {
		return nil, fmt.Errorf("match-scan: %d values not compiled: %+v", len(problems), problems[0])
	}
	inds = nil
	out, connLog, err := scanLogs(set, "match-scan/", "", nIP, nDom, lines, progress)
	if err != nil {
		return out, err
	}
	// The set: the same logs (1% listed) against 10M IPv4 + 100k
	// CIDR + 5M domains, far larger than the CPU caches.
	z := matchSizes{MatchSetIPv4, MatchSetCIDR, MatchSetDomains}
	if cfg.Quick {
		z = matchSizes{MatchSetIPv4 / 100, MatchSetCIDR / 100, MatchSetDomains / 100}
	}
	set = nil
	fmt.Fprintf(progress, "match-scan: building %d IPv4 + %d CIDR + %d domains\n", z.ip, z.cidr, z.dom)
	b := match.NewBuilder()
	ind := match.Indicator{Name: "bench feed", Confidence: -1, Modified: matchMod}
	z.addIPv4(b, &ind, buf)
	z.addCIDR(b, &ind, buf)
	z.addDomains(b, &ind, buf)
	big := b.Finish()
	full, _, err := scanLogs(big, "match-scan/full-", fmt.Sprintf(" against %d IPv4 + %d CIDR + %d domains", z.ip, z.cidr, z.dom), z.ip, z.dom, lines, progress)
	out = append(out, full...)
	if err != nil {
		return out, err
	}
	big = nil
	// grep -F -f with the same values over the same conn.log.
	if g, err := exec.LookPath("grep"); err == nil {
		dir, err := os.MkdirTemp(cfg.Dir, "sakimori-bench-scan-")
		if err != nil {
			return out, err
		}
		defer os.RemoveAll(dir)
		lp, cp := filepath.Join(dir, "indicators.txt"), filepath.Join(dir, "conn.log")
		if err := os.WriteFile(lp, list.Bytes(), 0o600); err != nil {
			return out, err
		}
		if err := os.WriteFile(cp, connLog, 0o600); err != nil {
			return out, err
		}
		start := time.Now()
		cmd := exec.CommandContext(ctx, g, "-F", "-c", "-f", lp, cp)
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		outb, err := cmd.Output()
		d := time.Since(start)
		if err != nil && len(outb) == 0 {
			return out, fmt.Errorf("grep: %v", err)
		}
		sakimori := out[0].Value
		r := Result{Name: "match-scan/grep-F-f-zeek-conn", Value: float64(lines) / d.Seconds(), Unit: "lines/s", N: int64(lines),
			Note: fmt.Sprintf("grep -F -c -f with the same %d values (LC_ALL=C; substring matches, so 1.2.3.4 also hits 11.2.3.45): %s lines matched; sakimori is %.1fx faster",
				nIP+nDom, bytes.TrimSpace(outb), sakimori/(float64(lines)/d.Seconds()))}
		fmt.Fprintln(progress, r)
		out = append(out, r)
	}
	return out, nil
}

// scanLogs scans the four generated logs (1% of their values among the
// first nIP addresses and nDom domains of the set) against set, one
// observable at a time and through match.Batch, and returns a result per
// log and way, named prefix+log, and the conn.log it generated.
func scanLogs(set *match.Set, prefix, against string, nIP, nDom, lines int, progress io.Writer) ([]Result, []byte, error) {
	var out []Result
	var connLog []byte
	for _, w := range []struct {
		name string
		f    logscan.Format
	}{{"zeek-conn-tsv", logscan.FormatZeekTSV}, {"zeek-dns-tsv", "zeek-dns"}, {"suricata-eve", logscan.FormatSuricataEVE}, {"text", logscan.FormatText}} {
		data := scanLog(w.f, lines, nIP, nDom)
		if w.f == logscan.FormatZeekTSV {
			connLog = data
		}
		f := w.f
		if f == "zeek-dns" {
			f = logscan.FormatZeekTSV
		}
		best := time.Duration(1 << 62)
		var hits, obs int64
		for range 3 {
			hits, obs = 0, 0
			start := time.Now()
			sc := logscan.NewScanner(bytes.NewReader(data), f)
			err := sc.Scan(func(r *logscan.Record) error {
				for i := range r.Observables {
					o := &r.Observables[i]
					obs++
					if _, ok := set.Lookup(o.Kind, o.Value); ok {
						hits++
					}
				}
				return nil
			})
			if err != nil {
				return out, connLog, err
			}
			if d := time.Since(start); d < best {
				best = d
			}
		}
		r := Result{Name: prefix + w.name, Value: float64(lines) / best.Seconds(), Unit: "lines/s", N: int64(lines),
			Note: fmt.Sprintf("one core, parse + look up every observable%s (%d observables, %d hits); %.0f MB/s", against, obs, hits, float64(len(data))/best.Seconds()/1e6)}
		fmt.Fprintln(progress, r)
		out = append(out, r)
		// The same through match.Batch, as sakimori match scans files.
		best = time.Duration(1 << 62)
		b := match.NewBatch(match.NewMatcher(set))
		var bhits int64
		count := func(int32, *match.Observable, match.Hit) error { bhits++; return nil }
		for range 3 {
			bhits = 0
			start := time.Now()
			sc := logscan.NewScanner(bytes.NewReader(data), f)
			err := sc.Scan(func(r *logscan.Record) error {
				for i := range r.Observables {
					if b.Add(&r.Observables[i], 0) {
						if err := b.Flush(count); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err == nil {
				err = b.Flush(count)
			}
			if err != nil {
				return out, connLog, err
			}
			if d := time.Since(start); d < best {
				best = d
			}
		}
		if bhits != hits {
			return out, connLog, fmt.Errorf("match-scan %s: batched scan matched %d, one at a time %d", w.name, bhits, hits)
		}
		r = Result{Name: prefix + w.name + "-batched", Value: float64(lines) / best.Seconds(), Unit: "lines/s", N: int64(lines),
			Note: "the same through match.Batch (256 observables looked up together), as sakimori match scans files"}
		fmt.Fprintln(progress, r)
		out = append(out, r)
	}
	return out, connLog, nil
}
