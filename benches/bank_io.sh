#!/usr/bin/env bash
# Benchmark: `bank import` of a sheet with 10,000 and 50,000 question rows
# (as CSV, GB18030 CSV and XLSX), importing the same sheet again (all
# unchanged), and `bank export` of the resulting bank to Moodle XML, GIFT
# and CSV (release build). The sheets are made here with Python's standard
# library (the XLSX is a minimal workbook with inline strings).
# Usage: benches/bank_io.sh [ROWS…]   (default: 10000 50000)
source "$(dirname "$0")/common.sh"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(10000 50000)

timed_rows() { # label, command… (rows in $n)
  local label=$1
  shift
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || [ $? -eq 1 ]
  end=$(date +%s.%N)
  awk -v l="$label" -v s="$start" -v e="$end" -v n="$n" \
    'BEGIN { t = e - s; printf "%-38s %6d rows: %6.2f s  (%8.0f rows/s)\n", l, n, t, n / t }'
}

digest() { "$bin" bank check "$1" 2>&1 | tail -1 | sed 's/.*bank digest //'; }

for n in "${sizes[@]}"; do
  python3 - "$n" "$work" <<'PY'
import csv, io, sys, zipfile
from xml.sax.saxutils import escape
n, out = int(sys.argv[1]), sys.argv[2]
cats = ["售后服务", "信息安全", "物流与付款", "平台交易规则"]
rows = [["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "难度", "分类"]]
for i in range(n):
    k = i % 3
    stem = f"第{i}题：买家要求客服把订单{i}的收货地址改到其他城市，客服应当先做什么？"
    if k == 2:
        rows.append(["判断题", stem, "", "", "", "", "对" if i % 2 else "错", "", "易", cats[i % 4]])
    else:
        opts = [f"选项{i}-{j}：核对订单状态与买家身份后处理" for j in range(4)]
        ans = "B" if k == 0 else "A,C,D"
        rows.append(["单选题" if k == 0 else "多选题", stem, *opts, ans,
                     f"解析{i}：未发货前核对身份后可以修改。", str(1 + i % 5), cats[i % 4]])
text = io.StringIO()
csv.writer(text, lineterminator="\r\n").writerows(rows)
open(f"{out}/sheet-{n}.csv", "w", encoding="utf-8-sig", newline="").write(text.getvalue())
open(f"{out}/sheet-gbk-{n}.csv", "w", encoding="gb18030", newline="").write(text.getvalue())

def col(c):
    s = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s

sheet = ['<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
for r, row in enumerate(rows, 1):
    cells = "".join(f'<c r="{col(c)}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
                    for c, v in enumerate(row) if v)
    sheet.append(f'<row r="{r}">{cells}</row>')
sheet.append("</sheetData></worksheet>")
ns = "http://schemas.openxmlformats.org"
with zipfile.ZipFile(f"{out}/sheet-{n}.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    z.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="题库" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    z.writestr("xl/worksheets/sheet1.xml", "".join(sheet))
PY
  timed_rows "import CSV (UTF-8) into a new bank" "$bin" bank import "$work/sheet-$n.csv" --out "$work/bank-$n"
  timed_rows "import the same CSV again (unchanged)" "$bin" bank import "$work/sheet-$n.csv" --out "$work/bank-$n"
  timed_rows "import CSV (GB18030) into a new bank" "$bin" bank import "$work/sheet-gbk-$n.csv" --out "$work/gbk-$n"
  timed_rows "import XLSX into a new bank" "$bin" bank import "$work/sheet-$n.xlsx" --out "$work/xlsx-$n"
  for f in moodle-xml gift csv; do
    timed_rows "export $f" "$bin" bank export "$work/bank-$n" --format "$f" --out "$work/out-$n.$f"
  done
  if [ "$(digest "$work/bank-$n")" = "$(digest "$work/xlsx-$n")" ] &&
    [ "$(digest "$work/bank-$n")" = "$(digest "$work/gbk-$n")" ]; then
    echo "CSV, GB18030 and XLSX imports of $n rows: the same bank digest"
  else
    echo "the imports of $n rows differ" >&2
    exit 1
  fi
done
