"""Builds common-passwords.txt.gz, the list kbs.accounts.passwords checks new passwords against.

Run from the repository root: `.venv/bin/python kbs/accounts/data/build_password_list.py`.
The README beside this file says where each part comes from.
"""

import gzip
from itertools import product
from pathlib import Path

import django

HERE = Path(__file__).resolve().parent
TARGET = HERE / "common-passwords.txt.gz"
MIN_GENERATED = 12  # shorter passwords are refused for their length anyway

# Words that turn up again and again at the front of breached passwords, plus local ones that
# people here would reach for (the service, the area, the work, the football clubs).
WORDS = """
password passw0rd p@ssword p@ssw0rd letmein welcome welcome1 iloveyou trustno1 sunshine princess
football baseball dragon monkey shadow master superman batman starwars pokemon michael jennifer
jessica charlie thomas daniel matthew jordan hunter ashley andrew robert william george harry
oliver jack amelia olivia emily sophie chloe lucy sarah hannah grace summer winter spring autumn
january february march april may june july august september october november december monday
tuesday wednesday thursday friday saturday sunday qwerty qwertyuiop asdfghjkl zxcvbnm abc abcdef
changeme secret admin administrator login access computer internet default guest user test
liverpool chelsea arsenal everton tottenham manchester united leicester derbycounty nottingham
england london derby derbyshire chesterfield matlock buxton nhs nhsengland hospital nurse midwife
doctor health safeguarding keepingbabiessafe babies baby children family mummy daddy
""".split()
SUFFIXES = ["", "1", "12", "123", "1234", "12345", "123456", "!", "1!", "123!", "01", "007", "69", "99", "00"]
YEARS = [str(y) for y in range(1950, 2036)]
KEYBOARD_WALKS = """
qwertyuiopasdfghjkl qwertyuiopasdf qwertyuiop123 1q2w3e4r5t6y 1q2w3e4r5t6y7u 1qaz2wsx3edc 1qaz2wsx3edc4rfv
qazwsxedcrfv qazwsxedcrfvtgb zaq12wsxcde3 zaq1zaq1zaq1 !qaz2wsx#edc asdfghjkl123 zxcvbnm12345
qwerty123456 123456qwerty 1234qwerasdf qwer1234asdf abcdefghijkl abcdefghijklm abcdefghijklmn
abc123abc123 a1b2c3d4e5f6 q1w2e3r4t5y6 1a2b3c4d5e6f poiuytrewqlkj mnbvcxzlkjhg
""".split()


def django_list() -> set[str]:
    source = Path(django.__file__).parent / "contrib" / "auth" / "common-passwords.txt.gz"
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        return {line.strip().lower() for line in lines if line.strip()}


def generated() -> set[str]:
    found: set[str] = set(KEYBOARD_WALKS)
    for word in WORDS:
        for tail in [*SUFFIXES, *YEARS, *(year + "!" for year in YEARS)]:
            found.add(word + tail)
        found.add(word + word)
        found.add(word * 3)
    for first, second in product(WORDS[:40], ["123", "1234", "12345", "2024", "2025", "2026"]):
        found.add(second + first)
    # Runs of one character, counting up and down, and repeated short groups.
    for size in range(MIN_GENERATED, 21):
        for char in "abcdefghijklmnopqrstuvwxyz0123456789!*.":
            found.add(char * size)
        found.add(("1234567890" * 3)[:size])
        found.add(("0987654321" * 3)[:size])
        found.add(("0123456789" * 3)[:size])
        for group in ["12", "123", "abc", "ab", "xo", "69", "1234", "abcd", "qwe"]:
            found.add((group * size)[:size])
    return {p.lower() for p in found if len(p) >= MIN_GENERATED}


def main() -> None:
    entries = sorted(django_list() | generated())
    with gzip.GzipFile(TARGET, "wb", mtime=0) as out:  # mtime=0: the same input gives the same bytes
        out.write(("\n".join(entries) + "\n").encode("utf-8"))
    print(f"{TARGET.name}: {len(entries)} passwords")


if __name__ == "__main__":
    main()
