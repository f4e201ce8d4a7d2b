// Reads a GIFT file with gift-pegjs, the parser GIFT tools are built on,
// and prints its questions as JSON for tests/bank_io.rs to compare.
// Usage: node gift_parse.js PATH_TO_GIFT_PEGJS FILE.gift
const gift = require(process.argv[2]);
const fs = require('fs');
const questions = gift.parse(fs.readFileSync(process.argv[3], 'utf8'));
console.log(JSON.stringify(questions.filter(q => q.type !== 'Category').map(q => ({
  type: q.type,
  title: q.title,
  stem: q.stem && q.stem.text,
  choices: (q.choices || []).map(c => ({
    correct: c.isCorrect || (c.weight !== null && c.weight > 0),
    text: c.text && c.text.text,
  })),
  isTrue: q.isTrue === undefined ? null : q.isTrue,
}))));
