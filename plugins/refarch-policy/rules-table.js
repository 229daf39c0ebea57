// Prints the rule catalog as the Markdown table used in README.md:
//   node plugins/refarch-policy/rules-table.js
'use strict';
console.log(require('./src/rules').rulesTable());
