package logscan

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

const benchLines = 200_000

func genZeekConn(n int) []byte {
	var b bytes.Buffer
	b.WriteString("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2024-05-01-10-00-00\n")
	b.WriteString("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n")
	b.WriteString("#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "1714557%03d.%06d\tC%016x\t10.%d.%d.%d\t%d\t%d.%d.%d.%d\t443\ttcp\tssl\t1.502\t517\t4201\tSF\tT\tF\t0\tShADadFf\t12\t1149\t10\t4621\t-\n",
			i%1000, i, i*7919, i>>16&255, i>>8&255, i&255, 1024+i%60000, 1+i%223, i>>8&255, i*13&255, i*31&255)
	}
	return b.Bytes()
}

func genEVE(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, `{"timestamp":"2024-05-01T10:00:00.%06d+0000","flow_id":%d,"in_iface":"eth0","event_type":"flow","src_ip":"10.0.%d.%d","src_port":%d,"dest_ip":"203.0.%d.%d","dest_port":443,"proto":"TCP","flow":{"pkts_toserver":12,"pkts_toclient":10,"bytes_toserver":1149,"bytes_toclient":4621,"start":"2024-05-01T09:59:58.000000+0000","end":"2024-05-01T10:00:00.000000+0000","age":2,"state":"closed","reason":"timeout","alerted":false}}`+"\n",
				i%1000000, i, i>>8&255, i&255, 1024+i%60000, i>>8&255, i&255)
		case 1:
			fmt.Fprintf(&b, `{"timestamp":"2024-05-01T10:00:01.%06d+0000","flow_id":%d,"event_type":"dns","src_ip":"10.0.%d.%d","src_port":5353,"dest_ip":"192.168.1.1","dest_port":53,"proto":"UDP","dns":{"version":2,"type":"answer","id":%d,"flags":"8180","qr":true,"rd":true,"ra":true,"rrname":"host%d.example.com","rrtype":"A","rcode":"NOERROR","answers":[{"rrname":"host%d.example.com","rrtype":"A","ttl":60,"rdata":"198.51.%d.%d"}]}}`+"\n",
				i%1000000, i, i>>8&255, i&255, i&65535, i, i, i>>8&255, i&255)
		case 2:
			fmt.Fprintf(&b, `{"timestamp":"2024-05-01T10:00:02.%06d+0000","flow_id":%d,"event_type":"http","src_ip":"10.0.%d.%d","src_port":50000,"dest_ip":"203.0.113.80","dest_port":80,"proto":"TCP","tx_id":0,"http":{"hostname":"www%d.example.net","url":"/files/%d/payload.exe?id=7","http_user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64)","http_content_type":"text/html","http_method":"GET","protocol":"HTTP/1.1","status":200,"length":%d}}`+"\n",
				i%1000000, i, i>>8&255, i&255, i%1000, i, i)
		default:
			fmt.Fprintf(&b, `{"timestamp":"2024-05-01T10:00:03.%06d+0000","flow_id":%d,"event_type":"tls","src_ip":"10.0.%d.%d","src_port":50010,"dest_ip":"203.0.113.45","dest_port":443,"proto":"TCP","tls":{"subject":"CN=site%d.example.org","issuerdn":"CN=R3","serial":"04:AB","fingerprint":"aa:bb:cc","sni":"site%d.example.org","version":"TLS 1.3","notbefore":"2024-04-01T00:00:00","notafter":"2024-07-01T00:00:00"}}`+"\n",
				i%1000000, i, i>>8&255, i&255, i, i)
		}
	}
	return b.Bytes()
}

func genText(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "2024-05-01 10:00:%02d sshd[%d]: Failed password for invalid user admin from 198.51.%d.%d port %d ssh2\n", i%60, 1000+i%9000, i>>8&255, i&255, 1024+i%60000)
		case 1:
			fmt.Fprintf(&b, "The actor used hxxps://update%d[.]evil-example[.]com/api?id=%d to stage the payload (SHA-256 %064x).\n", i%100, i, i)
		case 2:
			fmt.Fprintf(&b, "Mail from billing%d[at]phish.example was delivered to user%d@example.org, see report_%d.pdf for details.\n", i%50, i, i)
		default:
			b.WriteString("Nothing interesting on this line: just words, numbers 12345 and punctuation; version 1.2.3 of the tool.\n")
		}
	}
	return b.Bytes()
}

func benchScan(b *testing.B, data []byte, f Format, lines int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	var obs int64
	for i := 0; i < b.N; i++ {
		sc := NewScanner(bytes.NewReader(data), f)
		if err := sc.Scan(func(r *Record) error { obs += int64(len(r.Observables)); return nil }); err != nil {
			b.Fatal(err)
		}
		if st := sc.Stats(); st.Skipped != 0 || st.Records < int64(lines)*9/10 {
			b.Fatalf("stats %+v", st)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(obs)/float64(b.N)/float64(lines), "obs/line")
}

func BenchmarkZeekTSVConn(b *testing.B) {
	benchScan(b, genZeekConn(benchLines), FormatZeekTSV, benchLines)
}

func BenchmarkEVE(b *testing.B) {
	benchScan(b, genEVE(benchLines), FormatSuricataEVE, benchLines)
}

func BenchmarkJSONL(b *testing.B) {
	benchScan(b, genEVE(benchLines), FormatJSONL, benchLines)
}

func BenchmarkZeekJSONConn(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; i < benchLines; i++ {
		fmt.Fprintf(&buf, `{"ts":1714557600.%06d,"uid":"C%016x","id.orig_h":"10.%d.%d.%d","id.orig_p":%d,"id.resp_h":"203.0.%d.%d","id.resp_p":443,"proto":"tcp","service":"ssl","duration":1.502,"orig_bytes":517,"resp_bytes":4201,"conn_state":"SF","local_orig":true,"local_resp":false,"missed_bytes":0,"history":"ShADadFf","orig_pkts":12,"orig_ip_bytes":1149,"resp_pkts":10,"resp_ip_bytes":4621}`+"\n",
			i, i*7919, i>>16&255, i>>8&255, i&255, 1024+i%60000, i>>8&255, i&255)
	}
	benchScan(b, buf.Bytes(), FormatZeekJSON, benchLines)
}

func BenchmarkAccessLog(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; i < benchLines; i++ {
		fmt.Fprintf(&buf, "www%d.example.com:443 198.51.%d.%d - - [01/May/2024:10:00:%02d +0000] \"GET /index.php?id=%d HTTP/1.1\" 200 %d \"https://search.example.org/?q=%d\" \"Mozilla/5.0 (X11; Linux x86_64)\"\n",
			i%100, i>>8&255, i&255, i%60, i, 100+i%9000, i)
	}
	benchScan(b, buf.Bytes(), FormatAccessLog, benchLines)
}

func BenchmarkText(b *testing.B) {
	data := genText(benchLines)
	benchScan(b, data, FormatText, benchLines)
}

func TestBenchInputsParse(t *testing.T) {
	// The generators produce what the benchmarks claim.
	for name, c := range map[string]struct {
		data []byte
		f    Format
		min  int64
	}{
		"zeek": {genZeekConn(100), FormatZeekTSV, 200},
		"eve":  {genEVE(100), FormatSuricataEVE, 200},
		"text": {genText(100), FormatText, 100},
	} {
		sc := NewScanner(bytes.NewReader(c.data), "")
		if err := sc.Scan(func(*Record) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if sc.Format() != c.f || sc.Stats().Observables < c.min || sc.Stats().Skipped != 0 {
			t.Errorf("%s: format %s stats %+v", name, sc.Format(), sc.Stats())
		}
	}
	_ = strings.Repeat
}
