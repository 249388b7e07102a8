package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"sakimori/internal/report"
	"sakimori/internal/weather"
)

// sakimori feedback INCIDENT: what the government did with a report.

func init() {
	exposureCommand("feedback", "INCIDENT", [2]int{1, 1}, nil,
		"what the government did with an incident report: clusters, alerts, advice",
		"The correlation clusters the report's values belong to, with how many other organisations in how\n"+
			"many sectors reported or sighted them (anonymised), the published alerts linked to it that you may\n"+
			"see, and the receivers' advice. For the reporting organisation and the government organisations\n"+
			"the report was submitted to.",
		func(fs *flag.FlagSet) exposureBody {
			lang := fs.String("lang", "ja", "the language of the texts: ja or en")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				if *lang != "ja" && *lang != "en" {
					return usagef("--lang: must be ja or en")
				}
				fb, err := xc.e.weather.Feedback(ctx, xc.p, args[0])
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, fb)
				}
				printFeedback(xc, fb, *lang)
				return nil
			}
		})
}

func printFeedback(xc *exposureCtx, fb *weather.Feedback, lang string) {
	w := xc.e.Stdout
	at := func(t time.Time) string { return t.In(report.JST).Format("2006-01-02 15:04 JST") }
	fmt.Fprintf(w, "%s %s\n\n", fb.Ref, clean(fb.Title, 80))
	fmt.Fprintln(w, map[string]string{"ja": "相関分析", "en": "Correlation"}[lang])
	if fb.Correlation == nil {
		fmt.Fprintln(w, "  "+map[string]string{"ja": "（相関分析は利用できません）", "en": "(correlation is not available)"}[lang])
	} else {
		fmt.Fprintln(w, "  "+fb.Correlation.Text.In(lang))
		for _, c := range fb.Correlation.Clusters {
			fmt.Fprintf(w, "  %s  %s  strength %d  %s\n", c.Ref, c.Status, c.Strength, clean(c.Title, 60))
		}
	}
	fmt.Fprintln(w, "\n"+map[string]string{"ja": "注意喚起", "en": "Alerts"}[lang])
	if len(fb.Alerts) == 0 {
		fmt.Fprintln(w, "  -")
	}
	for _, a := range fb.Alerts {
		title := a.Title.In(lang)
		if title == "" {
			title = a.Title.JA
		}
		fmt.Fprintf(w, "  %s  %s  %s  %s\n", a.Ref, a.Severity, at(a.PublishedAt), clean(title, 60))
	}
	fmt.Fprintln(w, "\n"+map[string]string{"ja": "受領機関からの助言", "en": "Advice from the receivers"}[lang])
	if len(fb.Advice) == 0 {
		fmt.Fprintln(w, "  -")
	}
	for _, a := range fb.Advice {
		fmt.Fprintf(w, "  %s  %s  %s: %s\n", at(a.At), a.Kind, a.ActorName, clean(a.Text, 200))
	}
}
