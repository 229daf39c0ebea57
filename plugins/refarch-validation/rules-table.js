// Prints the rule catalog as the Markdown table used in README.md:
//   node plugins/refarch-validation/rules-table.js
'use strict';
console.log(require('./src/rules').rulesTable());
