package sanitize

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// jpSurnames are common Japanese family names (roughly the 200 most common).
// A surname followed by one or two given-name kanji, or by an honorific or a
// job title, is taken for a person's name.
var jpSurnames = strings.Fields(`
佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 清水
山崎 森 池田 橋本 阿部 石川 山下 中島 石井 小川 前田 岡田 長谷川 藤田 後藤 近藤 村上 遠藤 青木 坂本
斉藤 福田 太田 西村 藤井 金子 岡本 藤原 中野 三浦 原田 中川 松田 竹内 小野 田村 中山 和田 石田 森田
上田 原 柴田 酒井 工藤 横山 宮崎 宮本 内田 高木 安藤 島田 谷口 大野 丸山 今井 高田 藤本 武田 村田
上野 杉山 増田 小山 大塚 平野 菅原 久保 松井 千葉 岩崎 桜井 木下 野口 松尾 菊地 野村 新井 渡部 佐野
杉本 古川 大西 市川 五十嵐 水野 小島 東 小松 大久保 北村 吉川 山内 辻 西田 菊池 松岡 吉村 久保田 服部
川口 中西 児玉 関 石原 荒木 飯田 熊谷 高野 西川 樋口 本田 中田 川村 小西 永井 平田 大橋 秋山 田口
浅野 松下 須藤 堀 河野 望月 川上 矢野 大谷 桑原 内藤 土屋 小池 片山 岩田 堀内 小田 安田 吉岡 北川
馬場 大島 今村 河合 中本 松村 藤川 福井 根本 西山 中尾 浜田 星野 荒井 南 大石 上原 岩本 松浦 新田
栗原 西 武藤 早川 川崎 平井 大竹 宮田 川島 成田 黒田 福島 大森 小沢 尾崎 奥村 宮下 森本 永田 伊東
畠山 竹田 片岡 榎本 小泉 金井 田辺 本間 松永 池内 沢田 谷 足立 稲垣 大川 服部 岡崎 須田 三宅 横田
関口 白石 浅井 長田 牧野 細川 野田 千田 水谷 土井 飯塚 奥田 寺田 坂口 小原 菅野 八木 長尾 堀江`)

// romajiSurnames are the same names as romanised in English text.
var romajiSurnames = strings.Fields(`Sato Suzuki Takahashi Tanaka Ito Watanabe Yamamoto Nakamura Kobayashi
Kato Yoshida Yamada Sasaki Yamaguchi Matsumoto Inoue Kimura Hayashi Saito Shimizu Yamazaki Ikeda Hashimoto
Abe Ishikawa Yamashita Nakajima Ishii Ogawa Maeda Okada Hasegawa Fujita Goto Kondo Murakami Endo Aoki
Sakamoto Fukuda Ota Nishimura Fujii Kaneko Okamoto Fujiwara Nakano Miura Harada Nakagawa Matsuda Takeuchi
Ono Tamura Nakayama Wada Ishida Morita Ueda Shibata Sakai Kudo Yokoyama Miyazaki Miyamoto Uchida Takagi
Ando Shimada Taniguchi Ohno Maruyama Imai Takada Fujimoto Takeda Murata Ueno Sugiyama Masuda Koyama
Otsuka Hirano Sugawara Kubo Matsui Chiba Iwasaki Sakurai Kinoshita Noguchi Matsuo Kikuchi Nomura Arai
Sano Sugimoto Furukawa Onishi Ichikawa Igarashi Mizuno Kojima Komatsu Okubo Kitamura Yoshikawa Honda`)

// westernGiven are common English given names; one followed by a capitalised
// word is taken for a person's name.
var westernGiven = strings.Fields(`James John Robert Michael William David Richard Joseph Thomas Charles
Christopher Daniel Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy
Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon
Benjamin Samuel Gregory Alexander Patrick Frank Raymond Jack Dennis Jerry Tyler Aaron Peter Henry Adam
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Margaret Sandra
Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Rebecca Sharon Laura Cynthia
Kathleen Amy Angela Anna Emma Olivia Sophia Hannah Rachel Julia Claire Alice Maria Helen Kate Lucy
Taro Hanako Ichiro Jiro Kenji Hiroshi Takeshi Yuki Yuko Akiko Naoko Keiko Tomoko Satoshi Kazuki Haruto
Yui Sakura Daisuke Shota Ryota Kenta Yusuke Takuya Naoki Kaori Mika Emi Ayumi Makoto Masato Koji`)

// nonNames are words that precede honorifics or follow name labels but are
// not names (お客様, 利用者様, 担当者様 ...).
var nonNames = strings.Fields(`顧客 利用者 関係者 担当者 担当 各位 御中 貴社 先方 取引先 委託先 会員 患者 従業員 社員
職員 株主 加入者 契約者 申込者 対象者 被害者 攻撃者 管理者 責任者 代表者 事業者 運営者 本人 当該 相手 御社 弊社
当社 同社 容疑者 犯人 不明 未定 調査中 確認中 非公開 情報 システム ユーザー ユーザ クライアント ベンダー
パートナー メンバー スタッフ オペレーター ゲスト カスタマー オーナー サポート センター 皆 同 両 お客 読者
視聴者 受講者 参加者 購入者 登録者 応募者 投稿者 送信者 受信者 閲覧者 使用者 保守 外部 内部 政府 警察`)

var (
	honorifics = []string{"様", "さん", "氏", "殿", "君", "くん", "ちゃん", "さま"}
	titles     = []string{"看護師長", "先生", "医師", "弁護士", "マネージャー", "リーダー", "部長", "課長", "係長", "主任", "社長", "室長", "所長", "次長", "取締役", "専務", "常務", "会長", "理事長", "本部長", "センター長", "副社長", "参事", "主査", "代理"}
	// orgChars end a department or organisation word inside a run before an honorific.
	orgChars = "部課室局社係所店庁省院会"
	// notGiven are characters that do not occur in given names but follow
	// surnames in place or organisation names (石川県, 中野区, 高橋課長).
	notGiven = "県市区町村郡都府道部課室局社係所店様氏殿長員者的性化等内外中上下前後線駅港支署庁省院会"
	// notGivenWords start words that follow surnames in organisation names.
	notGivenWords = strings.Fields("製薬 電機 工業 銀行 証券 商事 産業 本店 営業 総務 経理 人事 法務 広報 情報 技術 開発 設計 運用 管理 保守 監視 調査 対応 報告 窓口 建設 物流 運輸 電力 商店 病院")
)

var surnameSet = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range jpSurnames {
		m[s] = true
	}
	return m
}()

// runesBefore returns the start of the run of runes satisfying f that ends at i.
func runStart(s string, i int, f func(rune) bool) int {
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:i])
		if !f(r) {
			break
		}
		i -= n
	}
	return i
}

func runEnd(s string, i int, f func(rune) bool) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !f(r) {
			break
		}
		i += n
	}
	return i
}

func isKatakanaName(r rune) bool { return isKatakana(r) || r == '・' }

// longestSurnameAt returns the length in bytes of the longest surname at s[i:].
func longestSurnameAt(s string, i int) int {
	best := 0
	for _, n := range []int{3, 2, 1} {
		j := i
		for k := 0; k < n && j < len(s); k++ {
			_, w := utf8.DecodeRuneInString(s[j:])
			j += w
		}
		if surnameSet[s[i:j]] && j-i > best && utf8.RuneCountInString(s[i:j]) == n {
			best = j - i
			break
		}
	}
	return best
}

func isNonName(v string) bool {
	for _, w := range nonNames {
		if v == w || strings.HasSuffix(v, w) || strings.HasPrefix(v, w) && utf8.RuneCountInString(w) > 1 {
			return true
		}
	}
	last, _ := utf8.DecodeLastRuneInString(v)
	return strings.ContainsRune("者員先客方社部課室局係所店庁省院会", last)
}

// detectJPNames finds Japanese person names by honorific or title and by
// common surname followed by given-name kanji.
func detectJPNames(s string) []cand {
	var cs []cand
	addName := func(a, b int) {
		if a < b {
			cs = append(cs, cand{kind: KindPersonName, start: a, end: b, prio: prioPerson})
		}
	}
	// Honorifics and titles.
	for _, suf := range append(append([]string{}, honorifics...), titles...) {
		isTitle := utf8.RuneCountInString(suf) >= 2 && !strings.ContainsAny(suf, "さんくちゃま")
		for off := 0; ; {
			j := strings.Index(s[off:], suf)
			if j < 0 {
				break
			}
			i := off + j
			off = i + len(suf)
			if suf == "氏" || suf == "殿" || suf == "様" || suf == "君" {
				if r, _ := utf8.DecodeRuneInString(s[i+len(suf):]); i+len(suf) < len(s) && isHan(r) {
					continue
				}
			}
			if p, w := utf8.DecodeLastRuneInString(s[:i]); (p == ' ' || p == '　') && !isTitle {
				if q, _ := utf8.DecodeLastRuneInString(s[:i-w]); isHan(q) || isKatakana(q) {
					i -= w
				} else if q >= 'a' && q <= 'z' || q >= 'A' && q <= 'Z' {
					i -= w
				}
			}
			// Latin names: Nguyen Van An 氏
			if q, _ := utf8.DecodeLastRuneInString(s[:i]); q >= 'a' && q <= 'z' && !isTitle {
				if m := reLatinNameBefore.FindStringIndex(s[:i]); m != nil {
					addName(m[0], m[1])
				}
				continue
			}
			// Katakana names: ジョン・スミス様
			if ks := runStart(s, i, isKatakanaName); ks < i && !isTitle {
				v := strings.Trim(s[ks:i], "・")
				if utf8.RuneCountInString(v) >= 2 && !isNonName(v) {
					if p, _ := utf8.DecodeLastRuneInString(s[:ks]); ks == 0 || !isHan(p) {
						addName(ks, i)
					}
				}
				continue
			}
			a := runStart(s, i, isHan)
			if a == i {
				continue
			}
			// Narrow long runs: start at a known surname, else after a department word.
			start := -1
			for k := a; k < i; {
				if n := longestSurnameAt(s, k); n > 0 && utf8.RuneCountInString(s[k:i]) <= 5 {
					start = k
					break
				}
				_, w := utf8.DecodeRuneInString(s[k:])
				k += w
			}
			if start < 0 {
				if isTitle {
					continue
				}
				start = a
				for k := a; k < i; {
					r, w := utf8.DecodeRuneInString(s[k:])
					k += w
					if strings.ContainsRune(orgChars, r) && k < i {
						start = k
					}
				}
			}
			v := s[start:i]
			n := utf8.RuneCountInString(v)
			if n < 2 || n > 5 || isNonName(v) {
				continue
			}
			// "山田 太郎様": extend over a space to the surname.
			if p, w := utf8.DecodeLastRuneInString(s[:start]); (p == ' ' || p == '　') && start == a {
				b := runStart(s, start-w, isHan)
				if b < start-w && longestSurnameAt(s, b) == start-w-b {
					start = b
				}
			}
			addName(start, i)
		}
	}
	// Surname + given name: 山田太郎, 山田 太郎.
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if !isHan(r) {
			i += w
			continue
		}
		n := longestSurnameAt(s, i)
		if n == 0 || utf8.RuneCountInString(s[i:i+n]) < 2 {
			i += w
			continue
		}
		if p, _ := utf8.DecodeLastRuneInString(s[:i]); i > 0 && isHan(p) {
			i += w
			continue
		}
		g := i + n
		maxGiven := 2
		if q, qw := utf8.DecodeRuneInString(s[g:]); g < len(s) && (q == ' ' || q == '　') {
			g += qw
			maxGiven = 3
		}
		e := runEnd(s, g, isHan)
		if e == g && maxGiven == 3 {
			// A given name in hiragana: 松井 さやか さん
			he := runEnd(s, g, isHiragana)
			if hn := utf8.RuneCountInString(s[g:he]); hn >= 2 && hn <= 4 && !strings.HasPrefix(s[g:he], "さん") {
				if nr, _ := utf8.DecodeRuneInString(s[he:]); he >= len(s) || strings.ContainsRune(" 　、。,（(）)", nr) {
					addName(i, he)
					i = he
					continue
				}
			}
		}
		given := s[g:e]
		gn := utf8.RuneCountInString(given)
		ok := gn >= 1 && gn <= maxGiven
		for _, w := range notGivenWords {
			if strings.HasPrefix(given, w) {
				ok = false
			}
		}
		for _, gr := range given {
			if strings.ContainsRune(notGiven, gr) {
				ok = false
			}
		}
		if ok {
			addName(i, e)
			i = e
			continue
		}
		if standaloneSurname(s, i, i+n) {
			addName(i, i+n)
			i += n
			continue
		}
		i += w
	}
	return cs
}

var reLatinNameBefore = regexp.MustCompile(`[A-Z][a-z]+(?: [A-Z][a-z]+){1,3}$`)

// standaloneSurname accepts a known surname written alone between
// separators, as in "推進室 清水（内線 1102）" or "窓口: 清水".
func standaloneSurname(s string, a, b int) bool {
	p, _ := utf8.DecodeLastRuneInString(s[:a])
	n, _ := utf8.DecodeRuneInString(s[b:])
	before := a > 0 && strings.ContainsRune(" 　:：（(「、", p)
	after := b >= len(s) || strings.ContainsRune(" 　（(、,）)\n」", n)
	return before && after
}

func isHiragana(r rune) bool { return r >= 'ぁ' && r <= 'ゖ' }

var (
	westernGivenSet = toSet(westernGiven)
	romajiSet       = toSet(romajiSurnames)
	reCapWord       = regexp.MustCompile(`\b[A-Z][a-zA-Z'-]+\b`)
)

func toSet(ws []string) map[string]bool {
	m := map[string]bool{}
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// detectWesternNames finds "Given Family" pairs where the given name is a
// common given name or either word is a common Japanese surname in romaji
// ("Emily Carter", "Taro Yamada", "Yamada Taro"), and "Yamada-san".
func detectWesternNames(s string) []cand {
	var cs []cand
	ws := reCapWord.FindAllStringIndex(s, -1)
	for i, w := range ws {
		word := s[w[0]:w[1]]
		if strings.HasSuffix(s[:w[1]+min(4, len(s)-w[1])], word+"-san") && romajiSet[word] {
			cs = append(cs, cand{kind: KindPersonName, start: w[0], end: w[1] + 4, prio: prioPerson})
			continue
		}
		if i+1 >= len(ws) {
			continue
		}
		n := ws[i+1]
		gap := s[w[1]:n[0]]
		// Allow one middle initial: "John Q. Public".
		if !(gap == " " || gap == "  " || len(gap) == 4 && gap[0] == ' ' && gap[2] == '.' && gap[3] == ' ' && gap[1] >= 'A' && gap[1] <= 'Z') {
			continue
		}
		next := s[n[0]:n[1]]
		switch {
		case westernGivenSet[word], romajiSet[next]:
			cs = append(cs, cand{kind: KindPersonName, start: w[0], end: n[1], prio: prioPerson})
		case romajiSet[word] && romajiGiven(s, w[0], n[1]) && westernGivenSet[next]:
			cs = append(cs, cand{kind: KindPersonName, start: w[0], end: n[1], prio: prioPerson})
		case romajiSet[word] && romajiGiven(s, w[0], n[1]):
			cs = append(cs, cand{kind: KindPersonName, start: w[0], end: n[1], prio: prioPerson})
		}
	}
	return cs
}
