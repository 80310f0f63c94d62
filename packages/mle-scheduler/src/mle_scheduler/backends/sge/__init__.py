"""Grid Engine backend: DRMAA (PyPI ``drmaa`` with ``DRMAA_LIBRARY_PATH``) when the library
loads, else ``qsub``/``qstat -xml``/``qacct``/``qdel``.

Many jobs of one shape go in as one array (``runBulkJobs`` / ``qsub -t``). Where the outcome of
a job comes from, in this order:

1. the job's own status file, written beside its outputs by the wrapper (read by the base
   class; it wins for the exit code whenever it has an end record);
2. with DRMAA, the session's finished-job records (``wait``, served from the session's event
   stream, no request per job): exit status, signal, abort (``qdel``);
3. ONE ``qstat -xml`` call per poll for all jobs: queued, running, error (``Eqw``) states.
   (DRMAA's ``jobStatus`` would be one qmaster request per job, so it is not used to poll.)
4. the accounting file (``$SGE_ROOT/$SGE_CELL/common/accounting``, read incrementally), or
   ``qacct -j`` when that file is not readable here: ``failed`` 37 is a time limit (h_rt),
   otherwise ``exit_status``;
5. a job gone from ``qstat`` with none of the above is given ``lost_after`` seconds from the
   first poll that missed it (accounting is flushed every ``flush_time``, 15 s by default, and
   later on a busy qmaster) before it is ``lost``.

Modules: ``_parse`` (qstat, accounting, qacct), ``_drmaa`` (the DRMAA transport), ``_backend``
(flags, the qsub transport, the status query). The workflow is
:class:`~mle_scheduler.backends.cluster.ClusterBackend`'s.
"""

from ._backend import SGEBackend
from ._parse import parse_accounting_line, parse_qacct, parse_qstat_xml

__all__ = ["SGEBackend", "parse_accounting_line", "parse_qacct", "parse_qstat_xml"]
