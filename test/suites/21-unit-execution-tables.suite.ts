import '../unit/execution-tables/excel.test.js';
import '../unit/execution-tables/gantt.test.js';
import '../unit/execution-tables/import-plan.test.js';
import '../unit/execution-tables/problem-messages.test.js';
import '../unit/execution-tables/storage.test.js';
import '../unit/execution-tables/templates.test.js';
import '../unit/execution-tables/workbook-reader.test.js';
