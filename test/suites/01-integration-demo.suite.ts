import '../integration/demo/demo.test.js';
