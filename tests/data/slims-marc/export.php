<?php
// Runs SLiMS 9's own MARC export (Biblio::marc_export in admin/modules/bibliography/
// biblio.inc.php, with the File_MARC classes SLiMS ships) on its sample catalogue loaded into
// SQLite by load_sample.py. Only the database handle is replaced: SLiMS calls mysqli's
// query()/fetch_assoc()/free_result()/escape_string(); this adapter answers them from PDO.
//
//   php export.php SLIMS_CHECKOUT SAMPLE.sqlite RAW|XML > out
$root = rtrim($argv[1], '/') . '/';
define('INDEX_AUTH', '1');
define('MDLBS', $root . 'admin/modules/');
// File/MARC.php requires PEAR's base exception, which SLiMS gets from PEAR itself.
if (!class_exists('PEAR_Exception')) { class PEAR_Exception extends Exception {} }
set_include_path($root . 'pear-shim' . PATH_SEPARATOR . get_include_path());

class SqliteResult {
    private $rows; private $i = 0;
    function __construct($rows) { $this->rows = $rows; }
    function fetch_assoc() { return $this->i < count($this->rows) ? $this->rows[$this->i++] : null; }
    function free_result() {}
}
class SqliteDbs {
    public $error = '';
    private $pdo;
    function __construct($path) { $this->pdo = new PDO('sqlite:' . $path); }
    function escape_string($s) { return str_replace("'", "''", $s); }
    function query($sql) {
        // MySQL's "LIMIT offset, count" is also SQLite's; nothing else needs rewriting.
        $st = $this->pdo->query($sql);
        if ($st === false) { $this->error = implode(' ', $this->pdo->errorInfo()); return false; }
        return new SqliteResult($st->fetchAll(PDO::FETCH_ASSOC));
    }
}

$dbs = new SqliteDbs($argv[2]);
require_once MDLBS . 'bibliography/File/MARC.php';
require_once MDLBS . 'bibliography/biblio.inc.php';
$biblio = new Biblio($dbs, null);
echo $biblio->marc_export('BATCH', 0, 0, $argv[3]);
