"""Command-line options shared by several commands: the Kafka connection, and the job's (dedup, limits, enrichment)."""
from __future__ import annotations

import argparse
import os

from pipeline.errors import ConfigError
from pipeline.io.kafka import SASL_MECHANISMS, SECURITY_PROTOCOLS, KafkaConfig
from pipeline.jobs import STATE_DIR
from pipeline.options import JobConfig, parse_duration, worker_path

BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS"
SASL_PASSWORD_ENV = "KAFKA_SASL_PASSWORD"


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the Kafka connection options; the SASL password comes from $KAFKA_SASL_PASSWORD, never argv."""
    group = parser.add_argument_group("Kafka connection")
    group.add_argument("--bootstrap-servers", default=os.environ.get(BOOTSTRAP_ENV),
                       help=f"host:port[,host:port] (default ${BOOTSTRAP_ENV}; "
                            "`deploy/local/kafka.sh bootstrap` prints the local broker's)")
    group.add_argument("--security-protocol", default="PLAINTEXT", choices=SECURITY_PROTOCOLS)
    group.add_argument("--sasl-mechanism", choices=SASL_MECHANISMS)
    group.add_argument("--sasl-username")
    group.add_argument("--ssl-cafile", help="CA certificate file (PEM) for SSL / SASL_SSL")


def connection_config(args: argparse.Namespace) -> KafkaConfig:
    """Build the :class:`KafkaConfig` from :func:`add_connection_arguments` options."""
    if not args.bootstrap_servers:
        raise ConfigError(f"no Kafka bootstrap servers: give --bootstrap-servers or set ${BOOTSTRAP_ENV}")
    return KafkaConfig(
        bootstrap_servers=args.bootstrap_servers,
        security_protocol=args.security_protocol,
        sasl_mechanism=args.sasl_mechanism,
        sasl_username=args.sasl_username,
        sasl_password=os.environ.get(SASL_PASSWORD_ENV) if args.security_protocol.startswith("SASL_") else None,
        ssl_cafile=args.ssl_cafile,
    )


def add_job_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by replay and run (dedup, limits, enrichment)."""
    parser.add_argument("--dedup-horizon", default="7d",
                        help="how long (event time) an exact repeat is still caught (default 7d); also the default "
                             "of --near-dup-horizon and, for `run`, of --file-lateness")
    parser.add_argument("--max-body-bytes", type=int, default=JobConfig.max_body_bytes,
                        help="bodies over this many UTF-8 bytes become dead letters (default 1 MB)")
    parser.add_argument("--ner", default="auto", choices=("auto", "rules", "crf", "camel", "none"),
                        help="entity backend (auto: CRF when --ner-model is given, else rules and gazetteers)")
    parser.add_argument("--ner-model", help="CRF model trained with `wirepipe train-ner`")
    parser.add_argument("--near-dup-threshold", type=float, default=JobConfig.near_dup_threshold,
                        help="estimated Jaccard at or above which a later article is a republication")
    parser.add_argument("--near-dup-horizon", metavar="DURATION",
                        help="how long (event time) a republication is still linked to its original "
                             "(default: the dedup horizon)")
    parser.add_argument("--drop-near-duplicates", action="store_true",
                        help="send republications to the duplicates output instead of annotating them")
    parser.add_argument("--near-dup-shards", type=int, metavar="N",
                        help="state keys of near-duplicate matching (default: 1 on the local runner and on Prism, "
                             "which keep every key on this machine; 8 on Flink and Dataflow, which can match them "
                             "in parallel on several workers)")
    parser.add_argument("--state-dir", help="local directory of the poison-record journal (default OUT/.wirepipe-state)")


def job_config(args: argparse.Namespace, **overrides) -> JobConfig:
    """Build the JobConfig from parsed arguments (see :func:`add_job_arguments`)."""
    out_dir = getattr(args, "out", None)
    state_dir = getattr(args, "state_dir", None) or (os.path.join(out_dir, STATE_DIR) if out_dir else None)
    return JobConfig(
        out_dir=worker_path(out_dir) if out_dir else None,
        state_dir=worker_path(state_dir) if state_dir else None,
        dedup_horizon_s=parse_duration(args.dedup_horizon),
        max_body_bytes=args.max_body_bytes,
        ner_backend=args.ner,
        ner_model=worker_path(args.ner_model) if args.ner_model else None,
        near_dup_threshold=args.near_dup_threshold,
        near_dup_horizon_s=parse_duration(args.near_dup_horizon) if args.near_dup_horizon else None,
        drop_near_duplicates=args.drop_near_duplicates,
        near_dup_shards=args.near_dup_shards,
        **overrides,
    )
