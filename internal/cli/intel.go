package cli

// `sakimori intel ...`: threat-information sharing from the command line.
// Every command acts through the intel service as the system principal
// "cli" for the organisation given by --org (or SAKIMORI_ORG), and sees
// what that organisation sees.

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"sakimori/internal/api"
	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/confidence"
	"sakimori/internal/intel"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/share"
	"sakimori/internal/warninglist"
)

// intelCtx is what an intel command body gets.
type intelCtx struct {
	e    *env
	p    *auth.Principal
	json bool
}

type intelBody func(ctx context.Context, ic *intelCtx, args []string) error

var intelFields = map[string]string{
	"org": "--org", "alias": "--alias", "title": "--title-en", "title.ja": "--title-ja", "title.en": "--title-en",
	"description": "--description", "tlp": "--tlp", "write_policy": "--write-policy", "audience.orgs": "--audience-orgs",
	"audience.groups": "--audience-groups", "slug": "--slug", "kind": "--kind", "name.ja": "--name-ja", "name.en": "--name-en",
	"org_ids": "--orgs", "confidence": "--confidence", "confidence_scale": "--confidence", "count": "--count",
	"first_seen": "--first-seen", "last_seen": "--last-seen", "sector": "--sector", "note": "--note", "reason": "--reason",
	"collection": "--collection", "cursor": "--cursor", "limit": "--limit", "value": "VALUE", "version": "--version",
}

// intelCommand registers an intel command with --org and --json.
func intelCommand(path, args string, nargs [2]int, summary, help string, flags func(fs *flag.FlagSet) intelBody) {
	register(&command{
		path: path, args: args, nargs: nargs, groups: adminGroups, fields: intelFields, summary: summary, help: help,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			orgSlug := fs.String("org", "", "organisation to act for: slug or id (default $SAKIMORI_ORG)")
			asJSON := fs.Bool("json", false, "print JSON")
			body := flags(fs)
			return func(ctx context.Context, e *env, args []string) error {
				ref := *orgSlug
				if ref == "" {
					ref = e.Getenv("SAKIMORI_ORG")
				}
				if ref == "" {
					return usagef("--org: required (or set SAKIMORI_ORG): the organisation to act for")
				}
				if err := e.open(ctx, true); err != nil {
					return err
				}
				o, err := e.svc.GetOrg(ctx, cli, ref)
				if err != nil {
					if apperr.CodeOf(err) == apperr.CodeNotFound {
						return withFlag("--org", apperr.Invalid("org", "no organisation %q", ref))
					}
					return err
				}
				if err := e.intel.LoadWarninglists(ctx); err != nil {
					return err
				}
				return body(ctx, &intelCtx{e: e, p: &auth.Principal{System: "cli", Org: o}, json: *asJSON}, args)
			}
		},
	})
}

func parseTLPFlag(name, s string) (marking.TLP, error) {
	t, err := marking.ParseTLP(s)
	if err != nil {
		return 0, usagef("%s: %q is not a TLP label (clear, green, amber, amber+strict, red)", name, s)
	}
	return t, nil
}

// orgRefs resolves organisation slugs for flag name.
func (ic *intelCtx) orgRefs(ctx context.Context, name, list string) ([]string, error) {
	out := []string{}
	for _, ref := range splitList(list) {
		o, err := ic.e.svc.GetOrg(ctx, cli, ref)
		if err != nil {
			return nil, withFlag(name, apperr.Invalid(name, "no organisation %q", ref))
		}
		out = append(out, o.ID)
	}
	return out, nil
}

func (ic *intelCtx) groupRefs(ctx context.Context, name, list string) ([]string, error) {
	out := []string{}
	for _, ref := range splitList(list) {
		g, err := ic.e.intel.Group(ctx, ic.p, ref)
		if err != nil {
			return nil, withFlag(name, apperr.Invalid(name, "no sharing group %q", ref))
		}
		out = append(out, g.ID)
	}
	return out, nil
}

func printCollection(w io.Writer, c *share.CollectionView) {
	fmt.Fprintf(w, "%s (id %s)\n  title: %s / %s\n  tlp: %s  write policy: %s  can write: %v\n", c.Alias, c.ID, dash(c.Title.JA), dash(c.Title.EN), c.TLP, c.WritePolicy, c.CanWrite)
	if c.Description != "" {
		fmt.Fprintf(w, "  description: %s\n", c.Description)
	}
	fmt.Fprintf(w, "  audience: groups %v, orgs %v, users %v\n", c.Audience.Groups, c.Audience.Orgs, c.Audience.Users)
}

func printGroup(w io.Writer, g *share.Group) {
	fmt.Fprintf(w, "%s (id %s, %s)\n  name: %s / %s\n  members: orgs %v, users %v\n", g.Slug, g.ID, g.Kind, g.Name.JA, g.Name.EN, g.OrgIDs, g.UserIDs)
}

type collFlags struct {
	titleJA, titleEN, desc, tlp, wp, audOrgs, audGroups *string
}

func addCollFlags(fs *flag.FlagSet) *collFlags {
	return &collFlags{
		titleJA:   fs.String("title-ja", "", "title in Japanese"),
		titleEN:   fs.String("title-en", "", "title in English"),
		desc:      fs.String("description", "", "description"),
		tlp:       fs.String("tlp", "", "label of objects that carry none: clear, green, amber, amber+strict, red"),
		wp:        fs.String("write-policy", "", "who may add objects: owner, audience, members"),
		audOrgs:   fs.String("audience-orgs", "", "organisations (slugs, comma-separated) that receive AMBER and stricter objects"),
		audGroups: fs.String("audience-groups", "", "sharing groups (slugs, comma-separated) that receive AMBER and stricter objects"),
	}
}

// apply sets the given flags on c.
func (f *collFlags) apply(ctx context.Context, ic *intelCtx, set map[string]bool, c *share.Collection) error {
	if set["title-ja"] {
		c.Title.JA = *f.titleJA
	}
	if set["title-en"] {
		c.Title.EN = *f.titleEN
	}
	if set["description"] {
		c.Description = *f.desc
	}
	if set["tlp"] {
		t, err := parseTLPFlag("--tlp", *f.tlp)
		if err != nil {
			return err
		}
		c.TLP = t
	}
	if set["write-policy"] {
		wp := share.WritePolicy(*f.wp)
		if !wp.Valid() {
			return usagef("--write-policy: %q (one of owner, audience, members)", *f.wp)
		}
		c.WritePolicy = wp
	}
	var err error
	if set["audience-orgs"] {
		if c.Audience.Orgs, err = ic.orgRefs(ctx, "--audience-orgs", *f.audOrgs); err != nil {
			return err
		}
	}
	if set["audience-groups"] {
		if c.Audience.Groups, err = ic.groupRefs(ctx, "--audience-groups", *f.audGroups); err != nil {
			return err
		}
	}
	return nil
}

type groupFlags struct{ nameJA, nameEN, desc, orgs *string }

func addGroupFlags(fs *flag.FlagSet) *groupFlags {
	return &groupFlags{
		nameJA: fs.String("name-ja", "", "name in Japanese"),
		nameEN: fs.String("name-en", "", "name in English"),
		desc:   fs.String("description", "", "description"),
		orgs:   fs.String("orgs", "", "member organisations (slugs, comma-separated)"),
	}
}

func (f *groupFlags) apply(ctx context.Context, ic *intelCtx, set map[string]bool, g *share.Group) error {
	if set["name-ja"] {
		g.Name.JA = *f.nameJA
	}
	if set["name-en"] {
		g.Name.EN = *f.nameEN
	}
	if set["description"] {
		g.Description = *f.desc
	}
	if set["orgs"] {
		ids, err := ic.orgRefs(ctx, "--orgs", *f.orgs)
		if err != nil {
			return err
		}
		g.OrgIDs = ids
	}
	return nil
}

func init() {
	// ---- collections ----
	intelCommand("intel collection create", "", [2]int{0, 0}, "create a collection owned by --org", "", func(fs *flag.FlagSet) intelBody {
		alias := fs.String("alias", "", "short unique handle: 2-63 of a-z, 0-9 and '-'")
		cf := addCollFlags(fs)
		return func(ctx context.Context, ic *intelCtx, _ []string) error {
			if err := required([]string{"--alias", "--tlp"}, *alias, *cf.tlp); err != nil {
				return err
			}
			c := &share.Collection{Alias: *alias, OwnerOrgID: ic.p.Org.ID}
			if err := cf.apply(ctx, ic, setFlags(fs), c); err != nil {
				return err
			}
			if err := ic.e.intel.CreateCollection(ctx, ic.p, c); err != nil {
				return err
			}
			if ic.json {
				return printJSON(ic.e.Stdout, c)
			}
			fmt.Fprintf(ic.e.Stdout, "created collection %s (id %s)\n", c.Alias, c.ID)
			return nil
		}
	})
	intelCommand("intel collection list", "", [2]int{0, 0}, "list the collections --org can see", "", func(fs *flag.FlagSet) intelBody {
		return func(ctx context.Context, ic *intelCtx, _ []string) error {
			cs, err := ic.e.intel.Collections(ctx, ic.p)
			if err != nil {
				return err
			}
			if ic.json {
				return printJSON(ic.e.Stdout, cs)
			}
			tw := tabwriter.NewWriter(ic.e.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ALIAS\tTLP\tWRITE\tCAN WRITE\tTITLE")
			for _, c := range cs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", c.Alias, c.TLP, c.WritePolicy, c.CanWrite, dash(c.Title.EN+" "+c.Title.JA))
			}
			return tw.Flush()
		}
	})
	intelCommand("intel collection show", "REF", [2]int{1, 1}, "show a collection", "", func(fs *flag.FlagSet) intelBody {
		return func(ctx context.Context, ic *intelCtx, args []string) error {
			c, err := ic.e.intel.Collection(ctx, ic.p, args[0])
			if err != nil {
				return err
			}
			if ic.json {
				return printJSON(ic.e.Stdout, c)
			}
			printCollection(ic.e.Stdout, c)
			return nil
		}
	})
	intelCommand("intel collection update", "REF", [2]int{1, 1}, "change a collection's titles, description, TLP, audience or write policy", "", func(fs *flag.FlagSet) intelBody {
		cf := addCollFlags(fs)
		return func(ctx context.Context, ic *intelCtx, args []string) error {
			set := setFlags(fs)
			c, err := ic.e.intel.UpdateCollection(ctx, ic.p, args[0], func(c *share.Collection) error {
				if err := cf.apply(ctx, ic, set, c); err != nil {
					return err
				}
				c.Normalize()
				return c.Validate()
			})
			if err != nil {
				return err
			}
			if ic.json {
				return printJSON(ic.e.Stdout, c)
			}
			fmt.Fprintf(ic.e.Stdout, "updated collection %s\n", c.Alias)
			return nil
		}
	})

	// ---- groups ----
	intelCommand("intel group create", "", [2]int{0, 0}, "create a sharing group managed by --org", "", func(fs *flag.FlagSet) intelBody {
		slug := fs.String("slug", "", "short unique handle")
		kind := fs.String("kind", "ad_hoc", "council, isac or ad_hoc")
		gf := addGroupFlags(fs)
		return func(ctx context.Context, ic *intelCtx, _ []string) error {
			if err := required([]string{"--slug", "--name-ja", "--name-en", "--orgs"}, *slug, *gf.nameJA, *gf.nameEN, *gf.orgs); err != nil {
				return err
			}
			g := &share.Group{Slug: *slug, OwnerOrgID: ic.p.Org.ID}
			g.Kind = marking.GroupKind(*kind)
			if err := gf.apply(ctx, ic, setFlags(fs), g); err != nil {
				return err
			}
			if err := ic.e.intel.CreateGroup(ctx, ic.p, g); err != nil {
				return err
			}
			if ic.json {
				return printJSON(ic.e.Stdout, g)
			}
			fmt.Fprintf(ic.e.Stdout, "created sharing group %s (id %s)\n", g.Slug, g.ID)
			return nil
		}
	})
	intelCommand("intel group list", "", [2]int{0, 0}, "list sharing groups", "", func(fs *flag.FlagSet) intelBody {
		return func(ctx context.Context, ic *intelCtx, _ []string) error {
			gs, err := ic.e.intel.Groups(ctx, ic.p)
			if err != nil {
				return err
			}
			if ic.json {
				return printJSON(ic.e.Stdout, gs)
			}
			for i := range gs {
				printGroup(ic.e.Stdout, &gs[i])
			}
			return nil
		}
	})
	intelCommand("intel group show", "REF", [2]int{1, 1}, "show a sharing group", "", func(fs *flag.FlagSet) intelBody {
		return func(ctx context.Context, ic *intelCtx, args []string) error {
			g, err := ic.e.intel.Group(ctx, ic.p, args[0])
			if err != nil {
				return err
			}
			if ic.json {
				return printJSON(ic.e.Stdout, g)
			}
			printGroup(ic.e.Stdout, g)
			return nil
		}
	})
	intelCommand("intel group update", "REF", [2]int{1, 1}, "change a sharing group's names, description or members", "", func(fs *flag.FlagSet) intelBody {
		gf := addGroupFlags(fs)
		return func(ctx context.Context, ic *intelCtx, args []string) error {
			set := setFlags(fs)
			g, err := ic.e.intel.UpdateGroup(ctx, ic.p, args[0], func(g *share.Group) error {
				if err := gf.apply(ctx, ic, set, g); err != nil {
					return err
				}
				g.Normalize()
				return g.Validate()
			})
			if err != nil {
				return err
			}
			if ic.json {
				return printJSON(ic.e.Stdout, g)
			}
			fmt.Fprintf(ic.e.Stdout, "updated sharing group %s\n", g.Slug)
			return nil
		}
	})

	// ---- import ----
	intelCommand("intel import", "FILE...", [2]int{1, -1}, "import STIX, MISP events or IOC lists into a collection",
		`FILE is a path, or - for standard input. --format stix (default; a bundle, envelope
or object), misp (a MISP event) or iocs (a plain-text list: one IP, CIDR, domain, URL,
e-mail or hash per line, defanged forms accepted). A progress bar is drawn on standard
error; a summary of each file is printed on standard output.`,
		func(fs *flag.FlagSet) intelBody {
			coll := fs.String("collection", "", "collection alias or id (required)")
			format := fs.String("format", "stix", "stix, misp or iocs")
			tlp := fs.String("tlp", "", "TLP of IOC-list indicators / default TLP of MISP events")
			conf := fs.String("confidence", "", "confidence of IOC-list indicators, any scale: 75, high, 確度:高, admiralty:2")
			labels := fs.String("labels", "", "labels of IOC-list indicators, comma-separated")
			reasons := fs.Int("reasons", 10, "show at most this many rejection reasons")
			quiet := fs.Bool("quiet", false, "no progress bar")
			return func(ctx context.Context, ic *intelCtx, args []string) error {
				if err := required([]string{"--collection"}, *coll); err != nil {
					return err
				}
				switch *format {
				case "stix", "misp", "iocs":
				default:
					return usagef("--format: %q (one of stix, misp, iocs)", *format)
				}
				var t marking.TLP
				if *tlp != "" {
					if *format == "stix" {
						return usagef("--tlp: applies to --format iocs and misp")
					}
					var err error
					if t, err = parseTLPFlag("--tlp", *tlp); err != nil {
						return err
					}
				}
				var cv *int
				if *conf != "" {
					if *format != "iocs" {
						return usagef("--confidence: applies to --format iocs")
					}
					n, specified, err := confidence.ParseAny(*conf)
					if err != nil {
						return withFlag("--confidence", err)
					}
					if specified {
						cv = &n
					}
				}
				failed := false
				for _, file := range args {
					data, err := readInput(ic.e.Stdin, file)
					if err != nil {
						return err
					}
					payload, problems, err := api.Convert(*format, data,
						api.ConvertOptions{TLP: t, Confidence: cv, Labels: splitList(*labels), Source: filepath.Base(file), Scope: ic.p.Org.ID})
					if ae := apperrOf(err); ae != nil {
						return fmt.Errorf("%s: %s", file, ae.Message)
					} else if err != nil {
						return err
					}
					raws, err := intel.SplitObjects(payload)
					if err != nil {
						return fmt.Errorf("%s: %v", file, apperr.As(err).Message)
					}
					opt := intel.IngestOptions{Kind: *format, Source: intel.SourceCLI}
					if !*quiet {
						opt.Progress = func(j *share.Job) { progressBar(ic.e.Stderr, file, j.Done(), j.Total) }
					}
					j, err := ic.e.intel.IngestRaw(ctx, ic.p, *coll, raws, opt)
					if !*quiet && j != nil {
						progressBar(ic.e.Stderr, file, j.Done(), j.Total)
						fmt.Fprintln(ic.e.Stderr)
					}
					if err != nil {
						if apperr.CodeOf(err) == apperr.CodeNotFound {
							return withFlag("--collection", err)
						}
						return err
					}
					if j.Rejected > 0 {
						failed = true
					}
					if ic.json {
						if err := printJSON(ic.e.Stdout, map[string]any{"file": file, "job": j, "problems": problems}); err != nil {
							return err
						}
						continue
					}
					fmt.Fprintf(ic.e.Stdout, "%s: %d accepted, %d updated, %d duplicates, %d rejected (job %s)\n", file, j.Accepted, j.Updated, j.Duplicates, j.Rejected, j.ID)
					for i, f := range j.Failures {
						if i >= *reasons {
							fmt.Fprintf(ic.e.Stdout, "  ... and %d more rejected\n", len(j.Failures)-i)
							break
						}
						fmt.Fprintf(ic.e.Stdout, "  rejected %s: %s\n", dash(f.ID), f.Message)
					}
					for i, p := range problems {
						if i >= *reasons {
							fmt.Fprintf(ic.e.Stdout, "  ... and %d more not converted\n", len(problems)-i)
							break
						}
						fmt.Fprintf(ic.e.Stdout, "  not converted: %s\n", p)
					}
				}
				if failed {
					return &failure{exitFail}
				}
				return nil
			}
		})

	// ---- reading ----
	intelCommand("intel search", "[QUERY]", [2]int{0, 1}, "search the latest versions of objects --org may see",
		"QUERY is an indicator value (IP, CIDR, domain, URL, e-mail, hash), a STIX id or part of a name; none lists the newest.",
		func(fs *flag.FlagSet) intelBody {
			types := fs.String("type", "", "STIX types, comma-separated")
			coll := fs.String("collection", "", "only this collection")
			limit := fs.Int("limit", 50, "at most this many results (1-1000)")
			return func(ctx context.Context, ic *intelCtx, args []string) error {
				if *limit < 1 || *limit > 1000 {
					return usagef("--limit: must be 1 to 1000")
				}
				q := intel.SearchQuery{Types: splitList(*types), Collection: *coll, Limit: *limit}
				if len(args) > 0 {
					q.Text = args[0]
				}
				recs, _, err := ic.e.intel.Search(ctx, ic.p, q)
				if err != nil {
					if apperr.CodeOf(err) == apperr.CodeNotFound && *coll != "" {
						return withFlag("--collection", err)
					}
					return err
				}
				if ic.json {
					if recs == nil {
						recs = []share.Record{}
					}
					return printJSON(ic.e.Stdout, recs)
				}
				tw := tabwriter.NewWriter(ic.e.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tTLP\tVERSION\tFLAGS\tNAME")
				for _, r := range recs {
					flags := "-"
					if len(r.Flags) > 0 {
						flags = "warninglist:" + r.Flags[0].List
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.TLP, r.VersionText, flags, r.Name)
				}
				tw.Flush()
				fmt.Fprintf(ic.e.Stdout, "%d result(s)\n", len(recs))
				return nil
			}
		})
	intelCommand("intel show", "ID", [2]int{1, 1}, "show an object: latest version, history with changes, sightings and score", "", func(fs *flag.FlagSet) intelBody {
		return func(ctx context.Context, ic *intelCtx, args []string) error {
			ov, err := ic.e.intel.Object(ctx, ic.p, args[0])
			if err != nil {
				return err
			}
			sc := api.ScoreOf(ov, time.Now())
			if ic.json {
				return printJSON(ic.e.Stdout, api.ObjectDetail{ObjectView: ov, Score: sc})
			}
			w := ic.e.Stdout
			l := ov.Latest
			fmt.Fprintf(w, "%s  %s\n  name: %s\n  tlp: %s  revoked: %v  version: %s\n  collections: %s\n", l.ID, l.Type, dash(l.Name), l.TLP, l.Revoked, l.VersionText, strings.Join(ov.Collections, ", "))
			if l.Confidence != nil {
				lab := confidence.Format(confidence.ScaleNoneLowMedHigh, *l.Confidence)
				fmt.Fprintf(w, "  confidence: %d (%s / %s)\n", *l.Confidence, lab.Text.EN, confidence.Format(confidence.ScaleJA, *l.Confidence).Text.JA)
			}
			for _, f := range l.Flags {
				fmt.Fprintf(w, "  warninglist: %s hits %s %s\n", f.List, f.Kind, f.Value)
			}
			if ov.Override != nil {
				fmt.Fprintf(w, "  override: %s\n", ov.Override.Reason)
			}
			if sc != nil {
				fmt.Fprintf(w, "  score: %d\n", sc.Score)
				for _, r := range sc.Reasons {
					fmt.Fprintf(w, "    %+d %s\n", r.Points, r.Text.EN)
				}
			}
			if s := ov.Sightings; s != nil {
				fmt.Fprintf(w, "  sightings: %d reports, %d seen by %d orgs, %d false positives\n", s.Reports, s.Count, s.Orgs, s.FalsePositives)
			}
			fmt.Fprintf(w, "  history (%d versions):\n", len(ov.Versions))
			for _, v := range ov.Versions {
				fmt.Fprintf(w, "    %s in %s (added %s by %s)\n", v.VersionText, v.CollectionID, ts(v.DateAdded), dash(v.Source))
				for _, c := range v.Changes {
					switch c.Op {
					case "added":
						fmt.Fprintf(w, "      + %s: %s\n", c.Path, c.New)
					case "removed":
						fmt.Fprintf(w, "      - %s: %s\n", c.Path, c.Old)
					default:
						fmt.Fprintf(w, "      ~ %s: %s -> %s\n", c.Path, c.Old, c.New)
					}
				}
			}
			return nil
		}
	})
	intelCommand("intel jobs", "", [2]int{0, 0}, "list --org's newest imports", "", func(fs *flag.FlagSet) intelBody {
		limit := fs.Int("limit", 20, "at most this many (1-1000)")
		return func(ctx context.Context, ic *intelCtx, _ []string) error {
			if *limit < 1 || *limit > 1000 {
				return usagef("--limit: must be 1 to 1000")
			}
			js, err := ic.e.intel.Jobs(ctx, ic.p, *limit)
			if err != nil {
				return err
			}
			if ic.json {
				return printJSON(ic.e.Stdout, js)
			}
			tw := tabwriter.NewWriter(ic.e.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tKIND\tSTATUS\tTOTAL\tACCEPTED\tUPDATED\tDUPLICATES\tREJECTED\tCREATED")
			for _, j := range js {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", j.ID, j.Kind, j.Status, j.Total, j.Accepted, j.Updated, j.Duplicates, j.Rejected, ts(j.CreatedAt))
			}
			return tw.Flush()
		}
	})

	// ---- exports ----
	intelCommand("intel export bundle", "", [2]int{0, 0}, "write a STIX 2.1 bundle of what --org may see", "", func(fs *flag.FlagSet) intelBody {
		types := fs.String("type", "", "STIX types, comma-separated")
		coll := fs.String("collection", "", "only this collection")
		query := fs.String("query", "", "only objects matching this (as intel search)")
		out := fs.String("out", "", "write to this file instead of standard output")
		return func(ctx context.Context, ic *intelCtx, _ []string) error {
			var buf bytes.Buffer
			n, err := ic.e.intel.ExportBundle(ctx, ic.p, intel.SearchQuery{Text: *query, Types: splitList(*types), Collection: *coll}, &buf)
			if err != nil {
				if apperr.CodeOf(err) == apperr.CodeNotFound && *coll != "" {
					return withFlag("--collection", err)
				}
				return err
			}
			if err := writeOutput(ic.e.Stdout, *out, buf.Bytes()); err != nil {
				return withFlag("--out", err)
			}
			fmt.Fprintf(ic.e.Stderr, "exported %d objects\n", n)
			return nil
		}
	})
	intelCommand("intel export blocklist", "", [2]int{0, 0}, "write the values --org may block",
		"Exact values of current, unrevoked indicators, less those on warninglists (unless overridden).",
		func(fs *flag.FlagSet) intelBody {
			kinds := fs.String("kind", "", "atom kinds, comma-separated: ipv4, ipv6, cidr4, cidr6, domain, url, email, md5, sha1, sha256, ...")
			coll := fs.String("collection", "", "only this collection")
			format := fs.String("format", "text", "text (one value per line after a # header) or json")
			out := fs.String("out", "", "write to this file instead of standard output")
			return func(ctx context.Context, ic *intelCtx, _ []string) error {
				if *format != "text" && *format != "json" {
					return usagef("--format: %q (text or json)", *format)
				}
				entries, withheld, err := ic.e.intel.Blocklist(ctx, ic.p, intel.BlockQuery{Kinds: api.BlockKinds(splitList(*kinds)), Collection: *coll})
				if err != nil {
					if apperr.CodeOf(err) == apperr.CodeNotFound && *coll != "" {
						return withFlag("--collection", err)
					}
					return err
				}
				bl := api.Blocklist{Org: ic.p.Org.Slug, GeneratedAt: time.Now().UTC().Truncate(time.Second), Entries: entries, Withheld: withheld}
				var buf bytes.Buffer
				if *format == "json" || ic.json {
					if err := printJSON(&buf, bl); err != nil {
						return err
					}
				} else {
					api.WriteBlocklistText(&buf, bl)
				}
				if err := writeOutput(ic.e.Stdout, *out, buf.Bytes()); err != nil {
					return withFlag("--out", err)
				}
				return nil
			}
		})

	// ---- sightings ----
	intelCommand("intel sighting add", "ID", [2]int{1, 1}, "report that --org saw an object (or that it is a false positive)", "", func(fs *flag.FlagSet) intelBody {
		count := fs.Int("count", 1, "how many times")
		first := fs.String("first-seen", "", "RFC 3339 time (default now)")
		last := fs.String("last-seen", "", "RFC 3339 time (default --first-seen)")
		sector := fs.String("sector", "", "sector (default the organisation's)")
		anon := fs.Bool("anonymous", false, "hide the reporting organisation from others")
		fp := fs.Bool("false-positive", false, "report a false positive")
		note := fs.String("note", "", "a note")
		return func(ctx context.Context, ic *intelCtx, args []string) error {
			sg := &share.Sighting{StixID: args[0], Count: *count, Sector: org.Sector(*sector), Anonymous: *anon, FalsePositive: *fp, Note: *note}
			for _, t := range []struct {
				name, v string
				dst     *time.Time
			}{{"--first-seen", *first, &sg.FirstSeen}, {"--last-seen", *last, &sg.LastSeen}} {
				if t.v == "" {
					continue
				}
				tt, err := time.Parse(time.RFC3339, t.v)
				if err != nil {
					return usagef("%s: %q is not an RFC 3339 time such as 2026-11-23T09:00:00+09:00", t.name, t.v)
				}
				*t.dst = tt.UTC()
			}
			if err := checkSector(*sector); err != nil {
				return err
			}
			if err := ic.e.intel.AddSighting(ctx, ic.p, sg); err != nil {
				if ae := apperrOf(err); ae != nil && ae.Field == "sighting_of" {
					return usagef("ID: %s", ae.Message)
				}
				return err
			}
			if ic.json {
				return printJSON(ic.e.Stdout, sg)
			}
			fmt.Fprintf(ic.e.Stdout, "recorded sighting %s of %s\n", sg.ID, sg.StixID)
			return nil
		}
	})

	// ---- revocation, deletion, overrides ----
	intelCommand("intel revoke", "ID", [2]int{1, 1}, "revoke an object --org owns, with a reason",
		`A new version with revoked true is stored in every collection where --org owns the
object, so every consumer (TAXII, feeds, exports) receives the revocation. The reason
(3 to 1000 characters) goes to the audit trail.`,
		func(fs *flag.FlagSet) intelBody {
			reason := fs.String("reason", "", "why the object is revoked, 3 to 1000 characters (required)")
			return func(ctx context.Context, ic *intelCtx, args []string) error {
				if err := required([]string{"--reason"}, *reason); err != nil {
					return err
				}
				if !share.ReasonOK(*reason) {
					return usagef("--reason: explain the revocation in 3 to 1000 characters")
				}
				recs, err := ic.e.intel.Revoke(ctx, ic.p, args[0], strings.TrimSpace(*reason))
				if err != nil {
					return err
				}
				if ic.json {
					return printJSON(ic.e.Stdout, recs)
				}
				for _, r := range recs {
					fmt.Fprintf(ic.e.Stdout, "revoked %s in %s (version %s)\n", r.ID, r.CollectionID, r.VersionText)
				}
				return nil
			}
		})
	intelCommand("intel delete", "ID", [2]int{1, 1}, "delete an object --org owns from a collection (tombstones are left)",
		`Without --version every version of the object in the collection is deleted; --version
T (RFC 3339, repeatable) deletes those versions only. Each deleted version leaves a
tombstone that consumers receive.`,
		func(fs *flag.FlagSet) intelBody {
			coll := fs.String("collection", "", "collection alias or id (required)")
			var versions stringList
			fs.Var(&versions, "version", "a version (RFC 3339, the object's modified) to delete; repeatable; none: all")
			return func(ctx context.Context, ic *intelCtx, args []string) error {
				if err := required([]string{"--collection"}, *coll); err != nil {
					return err
				}
				vm, err := api.ParseVersions("version", versions)
				if err != nil {
					return err
				}
				ts, err := ic.e.intel.Delete(ctx, ic.p, *coll, args[0], vm, nil)
				if err != nil {
					if ae := apperrOf(err); ae != nil && ae.Code == apperr.CodeNotFound && strings.HasPrefix(ae.Message, "collection ") {
						return withFlag("--collection", err)
					}
					return err
				}
				if ic.json {
					if ts == nil {
						ts = []share.Tombstone{}
					}
					return printJSON(ic.e.Stdout, ts)
				}
				for _, t := range ts {
					fmt.Fprintf(ic.e.Stdout, "deleted %s version %s\n", t.ID, t.VersionText)
				}
				fmt.Fprintf(ic.e.Stdout, "%d version(s) deleted\n", len(ts))
				return nil
			}
		})
	intelCommand("intel override add", "ID", [2]int{1, 1}, "let an indicator hit by a warninglist into block lists, with a reason", "", func(fs *flag.FlagSet) intelBody {
		reason := fs.String("reason", "", "why the value is malicious here, 3 to 1000 characters (required)")
		return func(ctx context.Context, ic *intelCtx, args []string) error {
			if err := required([]string{"--reason"}, *reason); err != nil {
				return err
			}
			o := &share.Override{StixID: args[0], Reason: *reason}
			if err := o.Validate(); err != nil {
				if ae := apperrOf(err); ae != nil && ae.Field == "stix_id" {
					return usagef("ID: %s", ae.Message)
				}
				return err
			}
			o, err := ic.e.intel.Override(ctx, ic.p, args[0], strings.TrimSpace(*reason))
			if err != nil {
				return err
			}
			if ic.json {
				return printJSON(ic.e.Stdout, o)
			}
			fmt.Fprintf(ic.e.Stdout, "override recorded for %s\n", o.StixID)
			return nil
		}
	})
	intelCommand("intel override withdraw", "ID", [2]int{1, 1}, "withdraw a warninglist override", "", func(fs *flag.FlagSet) intelBody {
		return func(ctx context.Context, ic *intelCtx, args []string) error {
			if err := ic.e.intel.WithdrawOverride(ctx, ic.p, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(ic.e.Stdout, "override withdrawn for %s\n", args[0])
			return nil
		}
	})

	// ---- warninglists ----
	intelCommand("intel warninglist load", "DIR|FILE...", [2]int{1, -1}, "load MISP-format warninglists (files, or directories searched for .json files)", "", func(fs *flag.FlagSet) intelBody {
		return func(ctx context.Context, ic *intelCtx, args []string) error {
			var files []string
			for _, a := range args {
				st, err := os.Stat(a)
				if err != nil {
					return err
				}
				if !st.IsDir() {
					files = append(files, a)
					continue
				}
				err = filepath.WalkDir(a, func(p string, d os.DirEntry, err error) error {
					if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
						files = append(files, p)
					}
					return err
				})
				if err != nil {
					return err
				}
			}
			bad := 0
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				res, err := ic.e.intel.PutWarninglist(ctx, ic.p, f, data)
				if err != nil {
					bad++
					fmt.Fprintf(ic.e.Stderr, "%s: %v\n", f, err)
					continue
				}
				fmt.Fprintf(ic.e.Stdout, "loaded %s: %d entries (%d left out)\n", res.Name, res.Entries, len(res.Problems))
			}
			if bad > 0 {
				return &failure{exitFail}
			}
			return nil
		}
	})
	intelCommand("intel warninglist list", "", [2]int{0, 0}, "list loaded warninglists", "", func(fs *flag.FlagSet) intelBody {
		return func(ctx context.Context, ic *intelCtx, _ []string) error {
			ls, err := ic.e.intel.Warninglists(ctx, ic.p)
			if err != nil {
				return err
			}
			if ic.json {
				return printJSON(ic.e.Stdout, ls)
			}
			tw := tabwriter.NewWriter(ic.e.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tTYPE\tENTRIES\tENABLED")
			for _, l := range ls {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%v\n", l.Name, l.Type, l.Entries, l.Enabled)
			}
			return tw.Flush()
		}
	})
	for _, on := range []bool{true, false} {
		verb := map[bool]string{true: "enable", false: "disable"}[on]
		intelCommand("intel warninglist "+verb, "NAME", [2]int{1, 1}, verb+" a warninglist", "", func(fs *flag.FlagSet) intelBody {
			return func(ctx context.Context, ic *intelCtx, args []string) error {
				if err := ic.e.intel.SetWarninglistEnabled(ctx, ic.p, args[0], on); err != nil {
					return err
				}
				fmt.Fprintf(ic.e.Stdout, "%sd %s\n", verb, args[0])
				return nil
			}
		})
	}
	intelCommand("intel warninglist check", "VALUE", [2]int{1, 1}, "show which warninglists a value is on (exit 1 when it is on one)", "", func(fs *flag.FlagSet) intelBody {
		return func(ctx context.Context, ic *intelCtx, args []string) error {
			hits, err := ic.e.intel.CheckValue(ctx, ic.p, args[0])
			if err != nil {
				return err
			}
			if ic.json {
				out := []warninglist.Hit{}
				return printJSON(ic.e.Stdout, append(out, hits...))
			}
			if len(hits) == 0 {
				fmt.Fprintf(ic.e.Stdout, "%s is on no warninglist\n", args[0])
				return nil
			}
			for _, h := range hits {
				fmt.Fprintf(ic.e.Stdout, "%s: %s (entry %s)\n", h.List, h.Category, h.Entry)
			}
			return &failure{exitFail}
		}
	})
}

// progressBar draws "\rFILE [#####.....] done/total" on w.
func progressBar(w io.Writer, name string, done, total int) {
	const width = 30
	n := width
	if total > 0 {
		n = done * width / total
	}
	fmt.Fprintf(w, "\r%s [%s%s] %d/%d", filepath.Base(name), strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
}

// readInput reads a file, or standard input for "-".
func readInput(stdin io.Reader, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(path)
}

// writeOutput writes data to path, or to w when path is "".
func writeOutput(w io.Writer, path string, data []byte) error {
	if path == "" {
		_, err := w.Write(data)
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}
