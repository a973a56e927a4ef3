"""Per-language stop words: function words only.

Kept short on purpose: Whoosh's Hungarian list drops content words (``új``,
``nagy``, ``teljes``) and has mojibake, so Hungarian, Czech, Slovak and Polish
lists are our own; English and German come from Whoosh.
"""

from whoosh.lang.stopwords import stoplists

_HU = """
a az egy és s is meg de hogy nem sem vagy illetve valamint pedig mint ha akkor
ez azt ezt ezek azok ami amely amelyek aki akik ahol amikor mert hanem már még
csak van volt lesz lett nincs vannak voltak el ki be fel le át ne se
"""

_CS = """
a i k o s u v z ve ze na do od po za pro při před pod nad bez ke ku se si
je jsou byl byla bylo byli být by aby že ale nebo ani jak tak což který která
které kteří jeho její jejich tento tato toto ten ta to tím tom
"""

_SK = """
a i k o s u v z vo zo na do od po za pre pri pred pod nad bez ku sa si
je sú bol bola bolo boli byť by aby že ale alebo ani ako tak ktorý ktorá
ktoré ten tá to tom
"""

_PL = """
a i o u w z we ze na do od po za dla przy przed pod nad bez ku się
jest są był była było byli być by aby że ale lub albo ani jak tak który która
które ten ta to tym tego
"""

STOP_WORDS: dict[str, frozenset[str]] = {
    "hu": frozenset(_HU.split()),
    "cs": frozenset(_CS.split()),
    "sk": frozenset(_SK.split()),
    "pl": frozenset(_PL.split()),
    "en": frozenset(stoplists["en"]),
    "de": frozenset(stoplists["de"]),
}
