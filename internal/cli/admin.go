package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/apperr"
	"sakimori/internal/config"
	"sakimori/internal/demo"
	"sakimori/internal/org"
	"sakimori/internal/store"
)

// Administrative commands. They open the store, refuse one that is not
// migrated, and act through the accounts service as the principal "cli".

const adminGroups = config.Store | config.Log

var orgFields = map[string]string{
	"slug": "--slug", "kind": "--kind", "sector": "--sector", "name.ja": "--name-ja", "name.en": "--name-en",
	"emergency_contact.name": "--contact-name", "emergency_contact.phone": "--contact-phone",
	"emergency_contact.email": "--contact-email", "emergency_contact.hours": "--contact-hours",
}

var userFields = map[string]string{
	"email": "--email", "display_name": "--name", "roles": "--roles", "locale": "--locale",
	"org_id": "--org", "password": "--password-stdin", "disabled": "--disable",
}

var tokenFields = map[string]string{
	"name": "--name", "scopes": "--scopes", "expires_in": "--expires-in", "expires_at": "--expires-in",
}

type orgFlags struct {
	slug, kind, sector, nameJA, nameEN, cName, cPhone, cEmail, cHours *string
}

func addOrgFlags(fs *flag.FlagSet) *orgFlags {
	return &orgFlags{
		slug:   fs.String("slug", "", "short unique handle: 2-63 of a-z, 0-9 and '-'"),
		kind:   fs.String("kind", "", "organisation kind: "+joinKinds()),
		sector: fs.String("sector", "", "critical-infrastructure sector (required for operators): "+joinSectors()),
		nameJA: fs.String("name-ja", "", "name in Japanese"),
		nameEN: fs.String("name-en", "", "name in English"),
		cName:  fs.String("contact-name", "", "emergency contact: person or desk"),
		cPhone: fs.String("contact-phone", "", "emergency contact: phone number"),
		cEmail: fs.String("contact-email", "", "emergency contact: email address"),
		cHours: fs.String("contact-hours", "", "emergency contact: hours, e.g. 24/7"),
	}
}

func joinKinds() string {
	s := make([]string, len(org.Kinds))
	for i, k := range org.Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func joinSectors() string {
	s := make([]string, len(org.Sectors))
	for i, k := range org.Sectors {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func joinRoles() string {
	s := make([]string, len(org.Roles))
	for i, r := range org.Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

func checkKind(k string) error {
	if !org.Kind(k).Valid() {
		return usagef("--kind: unknown organisation kind %q (one of %s)", k, joinKinds())
	}
	return nil
}

func checkSector(s string) error {
	if !org.Sector(s).Valid() {
		return usagef("--sector: unknown sector %q (one of %s)", s, joinSectors())
	}
	return nil
}

// parseRoles parses a comma-separated role list for flag name.
func parseRoles(flagName, s string) ([]org.Role, error) {
	var out []org.Role
	for _, f := range splitList(s) {
		r := org.Role(f)
		if !r.Valid() {
			return nil, usagef("%s: unknown role %q (one of %s)", flagName, f, joinRoles())
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, usagef("%s: give at least one role (%s)", flagName, joinRoles())
	}
	return out, nil
}

func parseScopes(s string) ([]org.Scope, error) {
	var out []org.Scope
	for _, f := range splitList(s) {
		sc := org.Scope(f)
		if !sc.Valid() {
			return nil, usagef("--scopes: unknown scope %q (one of read, write, admin, audit)", f)
		}
		out = append(out, sc)
	}
	if len(out) == 0 {
		return nil, usagef("--scopes: give at least one scope (read, write, admin, audit)")
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, strings.TrimSpace(f))
	}
	return out
}

// required fails naming the first flag in names whose value is empty.
func required(names []string, values ...string) error {
	for i, v := range values {
		if strings.TrimSpace(v) == "" {
			return usagef("%s: required", names[i])
		}
	}
	return nil
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	m := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { m[f.Name] = true })
	return m
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func tsp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return ts(*t)
}

// readPassword reads a password from the first line of r.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usagef("--password-stdin: standard input holds no password")
	}
	return line, nil
}

// orgSlugs maps organisation ids to slugs (for listings).
func (e *env) orgSlugs(ctx context.Context) (map[string]string, error) {
	m := map[string]string{}
	after := ""
	for {
		os, next, err := e.svc.ListOrgs(ctx, cli, store.OrgFilter{After: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, o := range os {
			m[o.ID] = o.Slug
		}
		if next == "" {
			return m, nil
		}
		after = next
	}
}

func init() {
	// ---- organisations ----
	register(&command{
		path: "admin org create", nargs: [2]int{0, 0}, groups: adminGroups, fields: orgFields,
		summary: "create an organisation",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			f := addOrgFlags(fs)
			asJSON := fs.Bool("json", false, "print the organisation as JSON")
			return func(ctx context.Context, e *env, _ []string) error {
				if err := required([]string{"--slug", "--kind", "--name-ja", "--name-en", "--contact-name"},
					*f.slug, *f.kind, *f.nameJA, *f.nameEN, *f.cName); err != nil {
					return err
				}
				if err := checkKind(*f.kind); err != nil {
					return err
				}
				if err := checkSector(*f.sector); err != nil {
					return err
				}
				if err := e.open(ctx, true); err != nil {
					return err
				}
				o := &org.Organisation{Slug: *f.slug, Kind: org.Kind(*f.kind), Sector: org.Sector(*f.sector),
					Name:    org.Names{JA: *f.nameJA, EN: *f.nameEN},
					Contact: org.Contact{Name: *f.cName, Phone: *f.cPhone, Email: *f.cEmail, Hours: *f.cHours}}
				if err := e.svc.CreateOrg(ctx, cli, o); err != nil {
					return err
				}
				if *asJSON {
					return printJSON(e.Stdout, o)
				}
				fmt.Fprintf(e.Stdout, "created organisation %s (id %s)\n", o.Slug, o.ID)
				return nil
			}
		},
	})
	register(&command{
		path: "admin org list", nargs: [2]int{0, 0}, groups: adminGroups,
		summary: "list organisations",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			kind := fs.String("kind", "", "only this kind")
			sector := fs.String("sector", "", "only this sector")
			query := fs.String("query", "", "only those whose slug or name contains this")
			asJSON := fs.Bool("json", false, "print JSON")
			return func(ctx context.Context, e *env, _ []string) error {
				if *kind != "" {
					if err := checkKind(*kind); err != nil {
						return err
					}
				}
				if err := checkSector(*sector); err != nil {
					return err
				}
				if err := e.open(ctx, true); err != nil {
					return err
				}
				var all []org.Organisation
				after := ""
				for {
					os, next, err := e.svc.ListOrgs(ctx, cli, store.OrgFilter{Kind: org.Kind(*kind), Sector: org.Sector(*sector),
						Query: *query, After: after, Limit: 1000})
					if err != nil {
						return err
					}
					all = append(all, os...)
					if next == "" {
						break
					}
					after = next
				}
				if *asJSON {
					if all == nil {
						all = []org.Organisation{}
					}
					return printJSON(e.Stdout, all)
				}
				tw := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "SLUG\tKIND\tSECTOR\tID\tNAME")
				for _, o := range all {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s / %s\n", o.Slug, o.Kind, dash(string(o.Sector)), o.ID, o.Name.EN, o.Name.JA)
				}
				tw.Flush()
				return nil
			}
		},
	})
	register(&command{
		path: "admin org show", args: "REF", nargs: [2]int{1, 1}, groups: adminGroups,
		summary: "show an organisation (by slug or id) with its supply chain and users",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asJSON := fs.Bool("json", false, "print JSON")
			return func(ctx context.Context, e *env, args []string) error {
				if err := e.open(ctx, true); err != nil {
					return err
				}
				o, err := e.svc.GetOrg(ctx, cli, args[0])
				if err != nil {
					return err
				}
				links, err := e.svc.ListLinks(ctx, cli, o.ID)
				if err != nil {
					return err
				}
				users, err := e.allUsers(ctx, o.ID)
				if err != nil {
					return err
				}
				slugs, err := e.orgSlugs(ctx)
				if err != nil {
					return err
				}
				if *asJSON {
					type link struct {
						org.Link
						Supplier string `json:"supplier"`
						Customer string `json:"customer"`
					}
					ls := make([]link, len(links))
					for i, l := range links {
						ls[i] = link{l, slugs[l.SupplierID], slugs[l.CustomerID]}
					}
					if users == nil {
						users = []org.User{}
					}
					return printJSON(e.Stdout, map[string]any{"organisation": o, "links": ls, "users": users})
				}
				w := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintf(w, "Slug\t%s\nID\t%s\nName (ja)\t%s\nName (en)\t%s\nKind\t%s\nSector\t%s\n",
					o.Slug, o.ID, o.Name.JA, o.Name.EN, o.Kind, dash(string(o.Sector)))
				c := o.Contact
				fmt.Fprintf(w, "Emergency contact\t%s\n\tphone %s, email %s, hours %s\n", c.Name, dash(c.Phone), dash(c.Email), dash(c.Hours))
				fmt.Fprintf(w, "Created\t%s\nUpdated\t%s\n", ts(o.CreatedAt), ts(o.UpdatedAt))
				w.Flush()
				fmt.Fprintf(e.Stdout, "\nSupply chain (%d):\n", len(links))
				for _, l := range links {
					if l.SupplierID == o.ID {
						fmt.Fprintf(e.Stdout, "  supplies %s: %s\n", slugs[l.CustomerID], l.Description)
					} else {
						fmt.Fprintf(e.Stdout, "  supplied by %s: %s\n", slugs[l.SupplierID], l.Description)
					}
				}
				fmt.Fprintf(e.Stdout, "\nUsers (%d):\n", len(users))
				printUsers(e.Stdout, users, nil)
				return nil
			}
		},
	})
	register(&command{
		path: "admin org update", args: "REF", nargs: [2]int{1, 1}, groups: adminGroups, fields: orgFields,
		summary: "change an organisation: only the flags given are changed",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			f := addOrgFlags(fs)
			asJSON := fs.Bool("json", false, "print the organisation as JSON")
			return func(ctx context.Context, e *env, args []string) error {
				set := setFlags(fs)
				delete(set, "json")
				var patch accounts.OrgPatch
				if set["slug"] {
					patch.Slug = f.slug
				}
				if set["kind"] {
					if err := checkKind(*f.kind); err != nil {
						return err
					}
					k := org.Kind(*f.kind)
					patch.Kind = &k
				}
				if set["sector"] {
					if err := checkSector(*f.sector); err != nil {
						return err
					}
					s := org.Sector(*f.sector)
					patch.Sector = &s
				}
				changes := 0
				for name := range set {
					if !isConfigFlag(name) {
						changes++
					}
				}
				if changes == 0 {
					return usagef("nothing to change: give at least one of --slug, --kind, --sector, --name-ja, --name-en, --contact-*")
				}
				if err := e.open(ctx, true); err != nil {
					return err
				}
				cur, err := e.svc.GetOrg(ctx, cli, args[0])
				if err != nil {
					return err
				}
				if set["name-ja"] || set["name-en"] {
					n := cur.Name
					if set["name-ja"] {
						n.JA = *f.nameJA
					}
					if set["name-en"] {
						n.EN = *f.nameEN
					}
					patch.Name = &n
				}
				if set["contact-name"] || set["contact-phone"] || set["contact-email"] || set["contact-hours"] {
					c := cur.Contact
					for name, p := range map[string]struct{ dst, src *string }{"contact-name": {&c.Name, f.cName},
						"contact-phone": {&c.Phone, f.cPhone}, "contact-email": {&c.Email, f.cEmail}, "contact-hours": {&c.Hours, f.cHours}} {
						if set[name] {
							*p.dst = *p.src
						}
					}
					patch.Contact = &c
				}
				o, err := e.svc.UpdateOrg(ctx, cli, cur.ID, patch)
				if err != nil {
					return err
				}
				if *asJSON {
					return printJSON(e.Stdout, o)
				}
				fmt.Fprintf(e.Stdout, "updated organisation %s (id %s)\n", o.Slug, o.ID)
				return nil
			}
		},
	})
	for _, remove := range []bool{false, true} {
		path, summary := "admin org link", "record that one organisation supplies another"
		if remove {
			path, summary = "admin org unlink", "remove a supply-chain link"
		}
		register(&command{
			path: path, nargs: [2]int{0, 0}, groups: adminGroups,
			fields:  map[string]string{"supplier_id": "--supplier", "customer_id": "--customer", "description": "--description"},
			summary: summary,
			flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
				sup := fs.String("supplier", "", "the supplying organisation (slug or id)")
				cus := fs.String("customer", "", "the customer organisation (slug or id)")
				var desc *string
				if !remove {
					desc = fs.String("description", "", "what is supplied, e.g. \"VPN operation outsourcing\"")
				}
				return func(ctx context.Context, e *env, _ []string) error {
					if err := required([]string{"--supplier", "--customer"}, *sup, *cus); err != nil {
						return err
					}
					if err := e.open(ctx, true); err != nil {
						return err
					}
					var ids [2]string
					for i, ref := range []string{*sup, *cus} {
						o, err := e.svc.GetOrg(ctx, cli, ref)
						if err != nil {
							return withFlag([]string{"--supplier", "--customer"}[i], err)
						}
						ids[i] = o.ID
					}
					if remove {
						if err := e.svc.RemoveLink(ctx, cli, ids[0], ids[1]); err != nil {
							return err
						}
						fmt.Fprintf(e.Stdout, "removed link: %s supplies %s\n", *sup, *cus)
						return nil
					}
					if err := e.svc.AddLink(ctx, cli, &org.Link{SupplierID: ids[0], CustomerID: ids[1], Description: *desc}); err != nil {
						return err
					}
					fmt.Fprintf(e.Stdout, "linked: %s supplies %s\n", *sup, *cus)
					return nil
				}
			},
		})
	}

	// ---- users ----
	register(&command{
		path: "admin user create", nargs: [2]int{0, 0}, groups: adminGroups, fields: userFields,
		summary: "create a user (prints a generated password unless --password-stdin)",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			orgRef := fs.String("org", "", "the user's organisation (slug or id)")
			email := fs.String("email", "", "login email address")
			name := fs.String("name", "", "display name")
			roles := fs.String("roles", "", "comma-separated roles: "+joinRoles())
			locale := fs.String("locale", "", "ja, en or empty (the browser decides)")
			pwStdin := fs.Bool("password-stdin", false, "read the initial password from the first line of standard input")
			asJSON := fs.Bool("json", false, "print the user as JSON")
			return func(ctx context.Context, e *env, _ []string) error {
				if err := required([]string{"--org", "--email", "--name", "--roles"}, *orgRef, *email, *name, *roles); err != nil {
					return err
				}
				rs, err := parseRoles("--roles", *roles)
				if err != nil {
					return err
				}
				pw, generated := demo.NewPassword(), true
				if *pwStdin {
					if pw, err = readPassword(e.Stdin); err != nil {
						return err
					}
					generated = false
				}
				if err := e.open(ctx, true); err != nil {
					return err
				}
				o, err := e.svc.GetOrg(ctx, cli, *orgRef)
				if err != nil {
					return withFlag("--org", err)
				}
				u := &org.User{OrgID: o.ID, Email: *email, DisplayName: *name, Roles: rs, Locale: *locale}
				if err := e.svc.CreateUser(ctx, cli, u, pw); err != nil {
					return err
				}
				if *asJSON {
					out := map[string]any{"user": u}
					if generated {
						out["password"] = pw
					}
					return printJSON(e.Stdout, out)
				}
				fmt.Fprintf(e.Stdout, "created user %s (id %s) in %s\n", u.Email, u.ID, o.Slug)
				if generated {
					fmt.Fprintf(e.Stdout, "initial password: %s\n(shown only now; the user should change it after logging in)\n", pw)
				}
				return nil
			}
		},
	})
	register(&command{
		path: "admin user list", nargs: [2]int{0, 0}, groups: adminGroups,
		summary: "list users (of one organisation with --org)",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			orgRef := fs.String("org", "", "only users of this organisation (slug or id)")
			role := fs.String("role", "", "only users holding this role")
			query := fs.String("query", "", "only users whose email or name contains this")
			asJSON := fs.Bool("json", false, "print JSON")
			return func(ctx context.Context, e *env, _ []string) error {
				if *role != "" && !org.Role(*role).Valid() {
					return usagef("--role: unknown role %q (one of %s)", *role, joinRoles())
				}
				if err := e.open(ctx, true); err != nil {
					return err
				}
				orgID := "*"
				if *orgRef != "" {
					o, err := e.svc.GetOrg(ctx, cli, *orgRef)
					if err != nil {
						return withFlag("--org", err)
					}
					orgID = o.ID
				}
				var all []org.User
				after := ""
				for {
					us, next, err := e.svc.ListUsers(ctx, cli, store.UserFilter{OrgID: orgID, Role: org.Role(*role), Query: *query, After: after, Limit: 1000})
					if err != nil {
						return err
					}
					all = append(all, us...)
					if next == "" {
						break
					}
					after = next
				}
				if *asJSON {
					if all == nil {
						all = []org.User{}
					}
					return printJSON(e.Stdout, all)
				}
				slugs, err := e.orgSlugs(ctx)
				if err != nil {
					return err
				}
				printUsers(e.Stdout, all, slugs)
				return nil
			}
		},
	})
	register(&command{
		path: "admin user update", args: "USER", nargs: [2]int{1, 1}, groups: adminGroups, fields: userFields,
		summary: "change a user (by email or id): only the flags given are changed",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			name := fs.String("name", "", "display name")
			roles := fs.String("roles", "", "comma-separated roles (replaces the current ones)")
			locale := fs.String("locale", "", "ja, en or empty")
			disable := fs.Bool("disable", false, "disable the account (ends its sessions)")
			enable := fs.Bool("enable", false, "enable a disabled account")
			asJSON := fs.Bool("json", false, "print the user as JSON")
			return func(ctx context.Context, e *env, args []string) error {
				set := setFlags(fs)
				var patch accounts.UserPatch
				if set["name"] {
					patch.DisplayName = name
				}
				if set["roles"] {
					rs, err := parseRoles("--roles", *roles)
					if err != nil {
						return err
					}
					patch.Roles = &rs
				}
				if set["locale"] {
					patch.Locale = locale
				}
				switch {
				case *disable && *enable:
					return usagef("--disable and --enable exclude each other")
				case *disable:
					patch.Disabled = disable
				case *enable:
					f := false
					patch.Disabled = &f
				}
				if patch == (accounts.UserPatch{}) {
					return usagef("nothing to change: give at least one of --name, --roles, --locale, --disable, --enable")
				}
				if err := e.open(ctx, true); err != nil {
					return err
				}
				u, err := e.svc.UpdateUser(ctx, cli, args[0], patch)
				if err != nil {
					return err
				}
				if *asJSON {
					return printJSON(e.Stdout, u)
				}
				fmt.Fprintf(e.Stdout, "updated user %s (id %s): roles %s, disabled %v\n", u.Email, u.ID, rolesString(u.Roles), u.Disabled)
				return nil
			}
		},
	})
	register(&command{
		path: "admin user set-password", args: "USER", nargs: [2]int{1, 1}, groups: adminGroups, fields: userFields,
		summary: "set a user's password (prints a generated one unless --password-stdin); ends their sessions",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
			return func(ctx context.Context, e *env, args []string) error {
				pw, generated := demo.NewPassword(), true
				if *pwStdin {
					var err error
					if pw, err = readPassword(e.Stdin); err != nil {
						return err
					}
					generated = false
				}
				if err := e.open(ctx, true); err != nil {
					return err
				}
				u, err := e.svc.UpdateUser(ctx, cli, args[0], accounts.UserPatch{Password: &pw})
				if err != nil {
					return err
				}
				fmt.Fprintf(e.Stdout, "password set for %s\n", u.Email)
				if generated {
					fmt.Fprintf(e.Stdout, "new password: %s\n(shown only now)\n", pw)
				}
				return nil
			}
		},
	})

	// ---- API tokens ----
	register(&command{
		path: "admin token create", nargs: [2]int{0, 0}, groups: adminGroups, fields: tokenFields,
		summary: "create an API token for a user and print its secret (shown only once)",
		help: `The secret alone goes to standard output (TOKEN=$(sakimori admin token create ...));
the token's details go to standard error. The scopes cannot exceed what the user's roles
allow: admin needs org_admin or platform_admin, audit needs auditor.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			user := fs.String("user", "", "the token's owner (email or id)")
			name := fs.String("name", "", "what the token is for, e.g. \"SIEM export\"")
			scopes := fs.String("scopes", "read", "comma-separated scopes: read, write, admin, audit")
			expires := fs.String("expires-in", "", "lifetime, e.g. 720h, or \"never\" (default 90 days)")
			asJSON := fs.Bool("json", false, "print the token and its secret as JSON")
			return func(ctx context.Context, e *env, _ []string) error {
				if err := required([]string{"--user", "--name"}, *user, *name); err != nil {
					return err
				}
				sc, err := parseScopes(*scopes)
				if err != nil {
					return err
				}
				if err := e.open(ctx, true); err != nil {
					return err
				}
				secret, t, err := e.svc.CreateToken(ctx, cli, *user, accounts.TokenRequest{Name: *name, Scopes: sc, ExpiresIn: *expires})
				if err != nil {
					if apperr.CodeOf(err) == apperr.CodeNotFound {
						return withFlag("--user", err)
					}
					return err
				}
				if *asJSON {
					return printJSON(e.Stdout, map[string]any{"token": t, "secret": secret})
				}
				fmt.Fprintln(e.Stdout, secret)
				fmt.Fprintf(e.Stderr, "created API token %s (%s) for %s: scopes %s, expires %s\nThe secret above is shown only once; store it now.\n",
					t.ID, t.Prefix, *user, scopesString(t.Scopes), tsp(t.ExpiresAt))
				return nil
			}
		},
	})
	register(&command{
		path: "admin token list", nargs: [2]int{0, 0}, groups: adminGroups,
		summary: "list a user's API tokens",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			user := fs.String("user", "", "the tokens' owner (email or id)")
			asJSON := fs.Bool("json", false, "print JSON")
			return func(ctx context.Context, e *env, _ []string) error {
				if err := required([]string{"--user"}, *user); err != nil {
					return err
				}
				if err := e.open(ctx, true); err != nil {
					return err
				}
				toks, err := e.svc.ListTokens(ctx, cli, *user)
				if err != nil {
					if apperr.CodeOf(err) == apperr.CodeNotFound {
						return withFlag("--user", err)
					}
					return err
				}
				if *asJSON {
					if toks == nil {
						toks = []org.Token{}
					}
					return printJSON(e.Stdout, toks)
				}
				tw := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tPREFIX\tNAME\tSCOPES\tCREATED\tEXPIRES\tREVOKED\tLAST USED")
				for _, t := range toks {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Prefix, t.Name, scopesString(t.Scopes),
						ts(t.CreatedAt), tsp(t.ExpiresAt), tsp(t.RevokedAt), tsp(t.LastUsedAt))
				}
				tw.Flush()
				return nil
			}
		},
	})
	register(&command{
		path: "admin token revoke", args: "TOKEN-ID", nargs: [2]int{1, 1}, groups: adminGroups,
		summary: "revoke an API token",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if err := e.open(ctx, true); err != nil {
					return err
				}
				t, err := e.svc.RevokeToken(ctx, cli, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(e.Stdout, "revoked API token %s (%s) at %s\n", t.ID, t.Prefix, tsp(t.RevokedAt))
				return nil
			}
		},
	})
}

// allUsers lists every user of orgID.
func (e *env) allUsers(ctx context.Context, orgID string) ([]org.User, error) {
	var all []org.User
	after := ""
	for {
		us, next, err := e.svc.ListUsers(ctx, cli, store.UserFilter{OrgID: orgID, After: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		all = append(all, us...)
		if next == "" {
			return all, nil
		}
		after = next
	}
}

func printUsers(w io.Writer, us []org.User, slugs map[string]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if slugs != nil {
		fmt.Fprintln(tw, "EMAIL\tORG\tROLES\tDISABLED\tID\tNAME")
	} else {
		fmt.Fprintln(tw, "EMAIL\tROLES\tDISABLED\tID\tNAME")
	}
	for _, u := range us {
		dis := "-"
		if u.Disabled {
			dis = "disabled"
		}
		if slugs != nil {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Email, slugs[u.OrgID], rolesString(u.Roles), dis, u.ID, u.DisplayName)
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Email, rolesString(u.Roles), dis, u.ID, u.DisplayName)
		}
	}
	tw.Flush()
}

func rolesString(rs []org.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func scopesString(ss []org.Scope) string {
	s := make([]string, len(ss))
	for i, x := range ss {
		s[i] = string(x)
	}
	slices.Sort(s)
	return strings.Join(s, ",")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
