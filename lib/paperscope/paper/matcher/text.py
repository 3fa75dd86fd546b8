"""Text as the matcher reads it: entities decoded, accents folded, words tokenised and normalised.

`clean` and `fold` are applied once to a string; `tokens` and `key` turn it and every known
name into the same normalised word tuples, so the phrase index compares like with like.
"""
from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Punctuation that ends a segment (the fuzzy pass compares segments).
_SEGMENT_BREAK = re.compile(r"[,;:()\[\]{}/|\\>\n\t]|\s[-–—]\s|\band\b|&", re.I)
# Separators no name runs across: 'NVIDIA, Santa Clara; University of Toronto'.
_HARD_BREAK = re.compile(r"[;/|\\\n\t]")
_JAMO = re.compile("[\u1100-\u11ff]")
_S2AFF_NOISE = re.compile(r"#(?:TAB|N|R)#")
# Abbreviations and spelling variants folded to one token, on both sides of the index.
_FOLD = {
    "univ": "university", "hongkong": "hong kong", "jiaotong": "jiao tong", "universty": "university", "uni": "university", "universities": "university",
    "universitas": "university", "universidad": "university", "universidade": "university",
    "universita": "university", "universite": "university", "universitat": "university",
    "universiteit": "university", "universitet": "university", "uniwersytet": "university",
    "universitatea": "university", "univerzita": "university", "universiti": "university",
    "inst": "institute", "instit": "institute", "institut": "institute", "instituto": "institute",
    "istituto": "institute", "institutes": "institute",
    "tech": "technology", "technol": "technology", "techn": "technology", "technological": "technology",
    "sci": "science", "sciences": "science", "ciencias": "science", "ciencia": "science",
    "dept": "department", "dep": "department", "lab": "laboratory", "labs": "laboratory",
    "laboratories": "laboratory", "lab.": "laboratory", "natl": "national", "nat": "national",
    "res": "research", "ctr": "center", "centre": "center", "cntr": "center", "acad": "academy",
    "coll": "college", "hosp": "hospital", "engn": "engineering", "eng": "engineering",
    "intl": "international", "mgmt": "management", "polytech": "polytechnic", "saint": "st",
    "ste": "st", "fed": "federal", "med": "medical", "medicine": "medical", "chin": "chinese",
    "technische": "technical", "technischen": "technical",
    # Abbreviations of the Web of Science / ISO 4 kind ('Dept Comp Sci', 'Res. Assoc.').
    "assoc": "association", "assn": "association", "soc": "society", "fdn": "foundation", "fac": "faculty",
    "sch": "school", "div": "division", "informat": "informatics", "comp": "computer", "comput": "computer",
    "elect": "electrical", "elec": "electrical", "electr": "electrical", "phys": "physics",
    "chem": "chemistry", "biol": "biology", "math": "mathematics",
    "hlth": "health", "environm": "environmental", "agr": "agricultural", "adv": "advanced",
    "appl": "applied", "commun": "communication", "mech": "mechanical", "syst": "systems",
    # British spellings read as the American ones ('Defence' / 'Defense').
    "defence": "defense", "organisation": "organization", "organisations": "organization",
    "organizations": "organization", "programme": "program", "behaviour": "behavior",
    "behavioural": "behavioral",
}
_STOP = {"the", "of", "at", "de", "do", "da", "dos", "das", "des", "del", "di", "du", "la", "le", "and",
         "for", "fur", "in", "y", "e", "et", "und", "a"}
# Words that alone do not name one organisation ("Department of Computer Science").
GENERIC = _STOP | {
    "university", "institute", "college", "school", "department", "faculty", "center", "laboratory",
    "research", "science", "technology", "national", "international", "state", "medical", "hospital",
    "academy", "engineering", "computer", "computing", "mathematics", "physics", "chemistry", "biology",
    "division", "group", "program", "unit", "foundation", "society", "association", "council", "office",
    "ministry", "agency", "service", "services", "company", "corporation", "inc", "ltd", "llc", "gmbh",
    "co", "corp", "limited", "team", "ai", "artificial", "intelligence", "data", "information", "key",
    "graduate", "studies", "applied", "advanced", "general", "central", "public", "federal", "health",
    "clinic", "clinical", "system", "systems", "electrical", "electronic", "electronics", "mechanical",
    "civil", "communication", "communications", "network", "networks", "software", "management",
    "business", "economics", "law", "arts", "education", "new", "city", "north", "south", "east",
    "west", "northern", "southern", "eastern", "western", "polytechnic", "technical", "open", "free",
    "catholic", "christian", "community", "regional", "royal", "st", "lab", "labs", "innovation",
    "development", "industrial", "industry", "teaching", "normal", "agricultural", "agriculture",
    "statistics", "statistical", "language", "languages", "learning", "machine", "robotics", "vision",
    "global", "one", "first", "second", "quantum", "energy", "environmental", "environment", "cancer",
    "children", "women", "heart", "care", "life", "nursing", "pharmacy", "dental", "veterinary",
}


def fold(text: str) -> str:
    """NFKC, then accents removed: 'Zürich' -> 'Zurich', full-width commas -> ','. Hangul
    syllables are composed again, so that a Korean name is matched syllable by syllable."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("ß", "ss")
    return unicodedata.normalize("NFC", text) if _JAMO.search(text) else text


def unescape(text: str) -> str:
    """HTML entities decoded until none is left (exports escape them several times over), spaces collapsed."""
    for _ in range(10):
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return " ".join(text.split())


def clean(text: str) -> str:
    """Affiliation text as it should be read: entities decoded, export markers and odd spaces gone."""
    return " ".join(_S2AFF_NOISE.sub(", ", unescape(text)).split())


# Long words that name a kind of organisation, misspelt often enough ('Univeristy',
# 'Techonological') that a near spelling is folded to them: the head word then matches exactly.
_HEADS = ("university", "technology", "technological", "institute", "laboratory", "international",
          "engineering", "science", "national", "academy", "intelligence", "artificial", "polytechnic")


@lru_cache(maxsize=1 << 18)
def _norm(word: str) -> str:
    low = word.lower()
    if low in _FOLD:
        return _FOLD[low]
    if len(low) >= 7 and low.isalpha() and low not in _HEADS:
        from rapidfuzz.distance import DamerauLevenshtein

        for head in _HEADS:
            if (head[0] == low[0] and abs(len(head) - len(low)) <= 1
                    and DamerauLevenshtein.distance(low, head, score_cutoff=2) <= (1 if len(low) < 9 else 2)):
                return _FOLD.get(head, head)
    return low


def tokens(text: str) -> list[tuple[str, str, int, int, int, int]]:
    """(normalised, original, start, end, segment, part) for each content word of folded text."""
    out, segment, part, last = [], 0, 0, 0
    for m in WORD.finditer(text):
        if _SEGMENT_BREAK.search(text, last, m.start()):
            segment += 1
            if _HARD_BREAK.search(text, last, m.start()):
                part += 1
        last = m.end()
        norm = _norm(m.group())
        if norm in _STOP:
            continue
        for piece in norm.split(" "):
            out.append((piece, m.group(), m.start(), m.end(), segment, part))
    return out


@lru_cache(maxsize=1 << 16)
def key(phrase: str) -> tuple[str, ...]:
    return tuple(t[0] for t in tokens(fold(phrase)))


def is_generic(name: str) -> bool:
    """True for names made only of generic words, which would match any department line."""
    k = key(name)
    return not k or all(t in GENERIC or t.isdigit() or len(t) <= 1 for t in k) or len("".join(k)) < 3


def is_acronym(alias: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", alias)
    return 0 < len(letters) <= 6 and letters.isupper() and " " not in alias.strip()



# Compass words folded to their point: sibling names differ by them ('Northwest' / 'Southwest').
COMPASS = {"north": "n", "northern": "n", "south": "s", "southern": "s", "east": "e", "eastern": "e",
           "west": "w", "western": "w", "northeast": "ne", "northeastern": "ne", "northwest": "nw",
           "northwestern": "nw", "southeast": "se", "southeastern": "se", "southwest": "sw",
           "southwestern": "sw", "upper": "upper", "lower": "lower"}
POINTS = {"n", "s", "e", "w", "ne", "nw", "se", "sw"}


def own_segment(toks, i: int, n: int) -> bool:
    """Whether tokens [i, i+n) are a whole comma-delimited segment of a string with several."""
    seg = toks[i][4]
    return (toks[i + n - 1][4] == seg and toks[-1][4] > toks[0][4]
            and not any(t[4] == seg for t in toks[:i]) and not any(t[4] == seg for t in toks[i + n:]))


# --- native script (Chinese, Japanese, Korean) ---------------------------------------------------
# Runs of Han, kana and Hangul, single spaces allowed inside.
_CJK = "\u1100-\u11ff\u3005\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
CJK_RUN = re.compile(f"[{_CJK}]+(?: [{_CJK}]+)*")
# Traditional and Japanese forms of characters common in institution and place names, folded to the
# simplified form on both sides of the native index: '國立臺灣大學' and '国立台湾大学' are one key.
_HAN_PAIRS = (
    "學学 國国 東东 華华 臺台 灣湾 電电 資资 訊讯 機机 與与 術术 業业 區区 師师 範范 "
    "醫医 農农 陽阳 廣广 門门 陳陈 龍龙 雲云 開开 發发 實实 驗验 際际 經经 濟济 萬万 "
    "氣气 體体 關关 聯联 陸陆 線线 網网 絡络 處处 應应 傳传 號号 長长 蘇苏 遼辽 寧宁 "
    "廈厦 鄭郑 漢汉 魯鲁 貴贵 陝陕 內内 濱滨 衛卫 環环 軍军 層层 圖图 書书 館馆 視视 "
    "覺觉 語语 計计 設设 齊齐 島岛 鎮镇 縣县 軟软 寶宝 嶺岭 豐丰 臨临 溫温 紹绍 興兴 "
    "黃黄 鳳凤 頭头 歐欧 亞亚 義义 產产 團团 協协 會会 進进 腦脑 總总 組组 織织 員员 "
    "專专 職职 單单 屬属 鋼钢 鐵铁 銀银 貿贸 財财 動动 態态 質质 點点 熱热 測测 試试 "
    "構构 標标 權权 歷历 錄录 記记 論论 證证 識识 變变 課课 調调 講讲 譯译 讀读 時时 "
    "間间 問问 題题 類类 顯显 風风 飛飞 馬马 麗丽 灣湾 橋桥 關关 関关 広广 沢泽 澤泽 "
    "県县 鉄铁 総总 経经 済济 発发 気气 図图 楽乐 樂乐 読读 転转 轉转 験验 実实 応应 "
    "芸艺 藝艺 報报 営营 營营 倉仓 鹿鹿 爾尔 韓韩 蒼苍 維维 吳吴 呉吴 黒黑 徳德 恵惠 "
    "浜滨 児儿 兒儿 壯壮 蘭兰 陰阴 隴陇 貢贡 紅红 綜综"
)
_HAN = {ord(pair[0]): pair[1] for pair in _HAN_PAIRS.split() if len(pair) == 2 and pair[0] != pair[1]}


def han(text: str) -> str:
    """Traditional and Japanese character forms folded to simplified ones (same length)."""
    return text.translate(_HAN)


def native_key(name: str, fold_han: bool = True) -> str:
    """A native-script name as the native index keys it: folded like any text, spaces dropped."""
    k = "".join(fold(name).split())
    return han(k) if fold_han else k
