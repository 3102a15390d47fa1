"""Chinese tokens for the insight pipeline: rjieba, a domain dictionary, stop-words dropped.

Two dictionaries are at work:

- the base domain dictionary (``BASE_WORDS``: 路灯, 加装电梯, 老旧小区…) is added once per process to
  this module's own ``rjieba.Jieba`` instance (``add_word``), so rjieba itself keeps those words whole;
  the shared ``rjieba`` default instance that other code uses is left untouched;
- a congress's own words (``DictionaryTerm``, edited by staff) differ from one congress to the next
  and can be deleted, which a shared rjieba instance could not undo. They are applied after the cut:
  adjacent tokens whose concatenation is a congress word are merged back into one token (greedy,
  longest first, at most ``MAX_MERGE`` tokens). A word that rjieba cuts across a token boundary
  (its first or last character glued to a neighbour) is not recovered; staff can see the effect on
  the dictionary page's preview.

The congress's words are cached per process for ``DICTIONARY_TTL`` seconds and dropped at once
in the process that edits them (``forget_dictionary``).
"""

from __future__ import annotations

import functools
import re
import threading
import time

import rjieba

# The base domain dictionary: words of citizens' opinions that rjieba's general dictionary cuts apart.
BASE_WORDS: tuple[str, ...] = tuple(
    [
        "路灯",
        "加装电梯",
        "老旧小区",
        "老旧小区改造",
        "物业费",
        "物业公司",
        "业委会",
        "业主委员会",
        "违章搭建",
        "违法建设",
        "楼道",
        "外墙脱落",
        "房屋漏水",
        "化粪池",
        "下水道",
        "排水管",
        "积水",
        "内涝",
        "井盖",
        "路面破损",
        "人行道",
        "供暖",
        "暖气不热",
        "停水",
        "停电",
        "燃气管道",
        "二次供水",
        "水压低",
        "电梯故障",
        "高空抛物",
        "充电桩",
        "电动车充电",
        "飞线充电",
        "公共维修资金",
        "拆迁安置",
        "棚户区改造",
        "房产证",
        "停车难",
        "停车位",
        "乱停车",
        "违停",
        "公交站",
        "公交线路",
        "公交车",
        "红绿灯",
        "信号灯",
        "斑马线",
        "人行横道",
        "减速带",
        "交通拥堵",
        "断头路",
        "地铁站",
        "共享单车",
        "占道停车",
        "学校门口",
        "噪音扰民",
        "广场舞",
        "油烟扰民",
        "垃圾分类",
        "垃圾桶",
        "垃圾清运",
        "黑臭水体",
        "河道",
        "偷排",
        "扬尘",
        "异味",
        "绿化带",
        "施工噪音",
        "夜间施工",
        "焚烧秸秆",
        "占道经营",
        "流动摊贩",
        "预付卡",
        "食品安全",
        "过期食品",
        "虚假宣传",
        "价格欺诈",
        "无证经营",
        "学位",
        "入学难",
        "校外培训",
        "课后服务",
        "食堂",
        "挂号难",
        "看病难",
        "社区医院",
        "家庭医生",
        "医保报销",
        "异地就医",
        "养老金",
        "养老院",
        "居家养老",
        "助餐点",
        "老年食堂",
        "低保",
        "残疾人",
        "退役军人",
        "拖欠工资",
        "欠薪",
        "农民工",
        "社保",
        "消防通道",
        "消防栓",
        "电信诈骗",
        "监控探头",
        "治安",
        "宅基地",
        "高标准农田",
        "农村公路",
        "自来水入户",
        "灌溉",
        "村务公开",
        "网格员",
        "居委会",
        "村委会",
        "社区服务中心",
    ]
)

# Function words and opinion boilerplate carrying no topic; punctuation and spaces are dropped separately.
STOP_WORDS: frozenset[str] = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "我",
        "我们",
        "你",
        "你们",
        "他",
        "他们",
        "她",
        "它",
        "这",
        "那",
        "这个",
        "那个",
        "这些",
        "那些",
        "这里",
        "那里",
        "有",
        "和",
        "与",
        "及",
        "或",
        "就",
        "都",
        "也",
        "还",
        "很",
        "太",
        "又",
        "被",
        "把",
        "给",
        "让",
        "对",
        "向",
        "从",
        "到",
        "于",
        "为",
        "以",
        "之",
        "而",
        "且",
        "并",
        "但",
        "但是",
        "可是",
        "因为",
        "所以",
        "如果",
        "虽然",
        "已经",
        "一直",
        "一下",
        "一些",
        "一个",
        "一",
        "个",
        "些",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "哦",
        "嗯",
        "么",
        "着",
        "过",
        "得",
        "地",
        "请",
        "请问",
        "希望",
        "能够",
        "能",
        "可以",
        "要",
        "想",
        "应该",
        "需要",
        "没有",
        "不",
        "没",
        "什么",
        "怎么",
        "怎样",
        "如何",
        "多",
        "多次",
        "每天",
        "现在",
        "目前",
        "问题",
        "情况",
        "反映",
        "建议",
        "意见",
        "相关",
        "部门",
        "有关",
        "尽快",
        "及时",
        "解决",
        "处理",
        "谢谢",
        "感谢",
        "您好",
        "你好",
        "麻烦",
        "啥",
        "咋",
        "其",
        "该",
        "此",
        "等",
        "等等",
        "上",
        "下",
        "里",
        "中",
        "后",
        "前",
        "时",
        "时候",
        "会",
        "去",
        "来",
        "说",
        "做",
        "看",
        "用",
        "比较",
        "非常",
        "特别",
        "经常",
        "总是",
        "还是",
        "就是",
        "只是",
    ]
)

# Longest run of adjacent tokens merged into one congress word.
MAX_MERGE = 4
DICTIONARY_TTL = 60.0

_lock = threading.Lock()
_jieba: rjieba.Jieba | None = None
_dictionaries: dict[int, tuple[float, frozenset[str]]] = {}


def _segmenter() -> rjieba.Jieba:
    """This module's rjieba instance with the base words added (built once per process, ~0.6 s)."""
    global _jieba  # noqa: PLW0603 - one segmenter per process, by design
    if _jieba is None:
        with _lock:
            if _jieba is None:
                segmenter = rjieba.Jieba()
                for word in BASE_WORDS:
                    segmenter.add_word(word, max(segmenter.suggest_freq(word), 10), None)
                _jieba = segmenter
    return _jieba


def load_dictionary(congress_id: int | None) -> frozenset[str]:
    """The congress's own DictionaryTerm words (cached per process for DICTIONARY_TTL seconds)."""
    if congress_id is None:
        return frozenset()
    now = time.monotonic()
    cached = _dictionaries.get(congress_id)
    if cached is not None and now - cached[0] < DICTIONARY_TTL:
        return cached[1]
    from renda.insight.models import DictionaryTerm

    words = frozenset(DictionaryTerm.objects.filter(congress_id=congress_id).values_list("word", flat=True))
    _dictionaries[congress_id] = (now, words)
    return words


def forget_dictionary(congress_id: int | None = None) -> None:
    """Drop the cached words of one congress (or all): called when staff edit the dictionary."""
    if congress_id is None:
        _dictionaries.clear()
    else:
        _dictionaries.pop(congress_id, None)


@functools.lru_cache(maxsize=64)
def _prefixes(words: frozenset[str]) -> frozenset[str]:
    """Every proper prefix of every word: a run of tokens is extended only while it can still become a word."""
    return frozenset(word[:end] for word in words for end in range(1, len(word)))


def _merge(tokens: list[str], words: frozenset[str]) -> list[str]:
    """Merge adjacent tokens that together spell a dictionary word (the longest such run wins)."""
    prefixes = _prefixes(words)
    merged: list[str] = []
    count = len(tokens)
    index = 0
    while index < count:
        token = tokens[index]
        if token not in prefixes:
            merged.append(token)
            index += 1
            continue
        best = 0
        candidate = token
        for width in range(2, min(MAX_MERGE, count - index) + 1):
            candidate += tokens[index + width - 1]
            if candidate in words:
                best = width
            if candidate not in prefixes:
                break
        if best:
            merged.append("".join(tokens[index : index + best]))
            index += best
        else:
            merged.append(token)
            index += 1
    return merged


_WORD_CHAR = re.compile(r"[^\W_]")
# Verdicts of ``_keep`` by token: a dict look-up is far cheaper than the test (bounded, cleared when full).
_verdicts: dict[str, bool] = {}
VERDICT_CACHE_SIZE = 200_000


def _keep(token: str) -> bool:
    """A token with at least one letter or digit that is not a stop-word."""
    verdict = _verdicts.get(token)
    if verdict is None:
        verdict = token not in STOP_WORDS and _WORD_CHAR.search(token) is not None
        if len(_verdicts) >= VERDICT_CACHE_SIZE:
            _verdicts.clear()
        _verdicts[token] = verdict
    return verdict


def cut(text: str, words: frozenset[str] = frozenset()) -> list[str]:
    """Tokens of ``text`` with the base dictionary and ``words`` kept whole, stop-words and punctuation dropped."""
    raw = _segmenter().cut(text.lower())
    if words:
        raw = _merge(raw, words)
    return [token for token in raw if _keep(token)]


def tokenize(text: str, congress_id: int | None = None) -> list[str]:
    """Tokens of a citizen's opinion as the congress reads it (its DictionaryTerm words kept whole)."""
    return cut(text, load_dictionary(congress_id))
