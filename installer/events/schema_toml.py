"""schema.toml, compiled: do not edit ('python -m doorstep.render.compiled_toml --write').

schema.toml is the source: its reader uses DATA only while the file holds exactly SOURCE.
"""

# ruff: noqa: E501

SOURCE = '# The telemetry allowlist. Every event, every property, its type, its allowed values\n# and why it is collected. The client, the collector and TELEMETRY.md are derived\n# from this file; nothing that is not here can be sent or stored.\n#\n# Types: enum (one of `values`), bool, bucket (a label of a fixed range list; numbers\n# are mapped to their range), version (a validated version string), hash (salted\n# SHA-256, 12 hex digits), id (a random UUID4; envelope only).\n\nschema_version = 1\nmax_string = 64\n\n# TELEMETRY.md prints `why` after the number of days: what the collector\'s prune deletes\n# and what its report shows afterwards belong in this one text.\n[retention]\ndays = 90\nwhy = """Events older than this are deleted for good: the collector deletes them when \\\nthe UTC day changes, `collector prune` deletes them on demand, and deleted rows are \\\noverwritten on disk. Events dated before the window, or after tomorrow, are never stored. \\\nThe report counts only the events still held: pruned events are gone, not summarised, so \\\nnothing older than the window appears in any count."""\n\n[buckets.duration]\nunit = "seconds"\nedges = [1, 3, 10, 30, 60, 180, 600]\nlabels = ["<1s", "1-3s", "3-10s", "10-30s", "30-60s", "1-3m", "3-10m", ">10m"]\n\n[buckets.memory_gb]\nunit = "GiB"\nedges = [2, 4, 8, 16, 32, 64]\nlabels = ["<2", "2-4", "4-8", "8-16", "16-32", "32-64", "64+"]\n\n[envelope.schema_version]\ntype = "int"\nvalues = [1]\nwhy = "Which version of this schema the batch follows, so the collector can validate it."\n\n[envelope.install_id]\ntype = "id"\nwhy = "A random id minted when you turn telemetry on, to count installs, not people. Reset or deleted on request."\n\n[envelope.session_id]\ntype = "id"\nwhy = "A random id for one run of the program, to order the events of that run."\n\n[envelope.app_version]\ntype = "version"\nwhy = "Which release is in use, to know when old versions can stop being supported."\n\n[envelope.python]\ntype = "version"\nwhy = "The Python major.minor version, to decide which Pythons to support."\n\n[envelope.os]\ntype = "enum"\nvalues = ["linux", "darwin", "windows", "other"]\nwhy = "The operating system family, to know where the installer must work."\n\n[envelope.arch]\ntype = "enum"\nvalues = ["x86_64", "arm64", "other"]\nwhy = "The processor architecture, to know which platforms to test."\n\n[envelope.ci]\ntype = "bool"\nwhy = "Whether this looks like a CI machine, to keep automated installs out of the human funnel."\n\n[envelope.container]\ntype = "bool"\nwhy = "Whether this runs in a container, to understand install failures there."\n\n[envelope.memory_gb]\ntype = "bucket"\nbucket = "memory_gb"\nwhy = "A coarse memory tier, to keep the full-screen wizard light enough for small machines."\n\n[events.install_started]\nwhy = "The top of the install funnel: how many installs begin, and how."\n\n[events.install_started.props.kind]\ntype = "enum"\nvalues = ["fresh", "upgrade", "reinstall"]\nwhy = "New install, upgrade or reinstall, to see how often people come back."\n\n[events.install_started.props.method]\ntype = "enum"\nvalues = ["script", "pip"]\nwhy = "Through install.sh or a package manager, to know which path to keep fast."\n\n[events.install_stage_completed]\nwhy = "Each finished install stage and how long it took, to find the slow and fragile ones."\n\n[events.install_stage_completed.props.stage]\ntype = "enum"\nvalues = ["preflight", "environment", "package", "link", "path", "wizard"]\nwhy = "Which stage finished."\n\n[events.install_stage_completed.props.duration]\ntype = "bucket"\nbucket = "duration"\nwhy = "How long it took, as a coarse range."\n\n[events.install_completed]\nwhy = "The bottom of the install funnel: installs that finished."\n\n[events.install_completed.props.duration]\ntype = "bucket"\nbucket = "duration"\nwhy = "How long the whole install took, as a coarse range."\n\n[events.install_failed]\nwhy = "Installs that failed, where and of which kind, to fix the commonest failure first."\n\n[events.install_failed.props.stage]\ntype = "enum"\nvalues = ["preflight", "environment", "package", "link", "path", "wizard"]\nwhy = "The stage that failed."\n\n[events.install_failed.props.error]\ntype = "enum"\nvalues = ["no_python", "python_too_old", "missing_tool", "venv_failed", "package_failed", "disk_full", "permission_denied", "link_failed", "path_failed", "interrupted", "other"]\nwhy = "A fixed class of failure; never the error message itself."\n\n[events.onboarding_started]\nwhy = "How many people reach the consent wizard, and which kind."\n\n[events.onboarding_started.props.ui]\ntype = "enum"\nvalues = ["tui", "inline"]\nwhy = "Full-screen or inline wizard, to know which one to invest in."\n\n[events.onboarding_step_viewed]\nwhy = "Which wizard steps people see, to find where they give up."\n\n[events.onboarding_step_viewed.props.step]\ntype = "enum"\nvalues = ["welcome", "privacy", "finish"]\nwhy = "The step that was shown."\n\n[events.onboarding_step_skipped]\nwhy = "Which wizard steps were skipped (by flags, or by the inline flow)."\n\n[events.onboarding_step_skipped.props.step]\ntype = "enum"\nvalues = ["welcome", "privacy", "finish"]\nwhy = "The step that was not shown."\n\n[events.onboarding_completed]\nwhy = "People who finished the wizard with telemetry on (a declined wizard sends nothing)."\n\n[events.onboarding_completed.props.ui]\ntype = "enum"\nvalues = ["tui", "inline", "none"]\nwhy = "Which wizard was completed; none when flags decided without one."\n\n[events.onboarding_completed.props.duration]\ntype = "bucket"\nbucket = "duration"\nwhy = "How long the wizard took, as a coarse range, to keep it short."\n\n[events.onboarding_completed.props.viewed_payload]\ntype = "bool"\nwhy = "Whether the exact payload was opened, to know if people use it."\n\n[events.uninstall_started]\nwhy = "How many installs are removed, and how."\n\n[events.uninstall_started.props.method]\ntype = "enum"\nvalues = ["script", "cli"]\nwhy = "Through uninstall.sh or the uninstall command."\n\n[events.uninstall_started.props.keep_config]\ntype = "bool"\nwhy = "Whether the settings were kept, to know if people plan to come back."\n\n# A product\'s [usage] commands fill `values_from = "usage"`: counts per command per UTC\n# day, counted in memory and sent once the day is over. Absent from a product with no\n# [usage] table.\n[events.usage_rollup]\nwhy = "How often each command ran on one day, and how often it failed, in one event a day."\n\n[events.usage_rollup.props.command]\ntype = "enum"\nvalues_from = "usage"\nwhy = "The command counted (one of the product\'s [usage] commands)."\n\n[events.usage_rollup.props.count]\ntype = "int"\nmax = 1000000\nwhy = "How many times it ran that day."\n\n[events.usage_rollup.props.errors]\ntype = "int"\nmax = 1000000\nwhy = "How many of those runs failed."\n'

DATA = {
    "schema_version": 1,
    "max_string": 64,
    "retention": {
        "days": 90,
        "why": "Events older than this are deleted for good: the collector deletes them when the UTC day changes, `collector prune` deletes them on demand, and deleted rows are overwritten on disk. Events dated before the window, or after tomorrow, are never stored. The report counts only the events still held: pruned events are gone, not summarised, so nothing older than the window appears in any count.",
    },
    "buckets": {
        "duration": {
            "unit": "seconds",
            "edges": [1, 3, 10, 30, 60, 180, 600],
            "labels": ["<1s", "1-3s", "3-10s", "10-30s", "30-60s", "1-3m", "3-10m", ">10m"],
        },
        "memory_gb": {
            "unit": "GiB",
            "edges": [2, 4, 8, 16, 32, 64],
            "labels": ["<2", "2-4", "4-8", "8-16", "16-32", "32-64", "64+"],
        },
    },
    "envelope": {
        "schema_version": {
            "type": "int",
            "values": [1],
            "why": "Which version of this schema the batch follows, so the collector can validate it.",
        },
        "install_id": {
            "type": "id",
            "why": "A random id minted when you turn telemetry on, to count installs, not people. Reset or deleted on request.",
        },
        "session_id": {
            "type": "id",
            "why": "A random id for one run of the program, to order the events of that run.",
        },
        "app_version": {
            "type": "version",
            "why": "Which release is in use, to know when old versions can stop being supported.",
        },
        "python": {
            "type": "version",
            "why": "The Python major.minor version, to decide which Pythons to support.",
        },
        "os": {
            "type": "enum",
            "values": ["linux", "darwin", "windows", "other"],
            "why": "The operating system family, to know where the installer must work.",
        },
        "arch": {
            "type": "enum",
            "values": ["x86_64", "arm64", "other"],
            "why": "The processor architecture, to know which platforms to test.",
        },
        "ci": {
            "type": "bool",
            "why": "Whether this looks like a CI machine, to keep automated installs out of the human funnel.",
        },
        "container": {
            "type": "bool",
            "why": "Whether this runs in a container, to understand install failures there.",
        },
        "memory_gb": {
            "type": "bucket",
            "bucket": "memory_gb",
            "why": "A coarse memory tier, to keep the full-screen wizard light enough for small machines.",
        },
    },
    "events": {
        "install_started": {
            "why": "The top of the install funnel: how many installs begin, and how.",
            "props": {
                "kind": {
                    "type": "enum",
                    "values": ["fresh", "upgrade", "reinstall"],
                    "why": "New install, upgrade or reinstall, to see how often people come back.",
                },
                "method": {
                    "type": "enum",
                    "values": ["script", "pip"],
                    "why": "Through install.sh or a package manager, to know which path to keep fast.",
                },
            },
        },
        "install_stage_completed": {
            "why": "Each finished install stage and how long it took, to find the slow and fragile ones.",
            "props": {
                "stage": {
                    "type": "enum",
                    "values": ["preflight", "environment", "package", "link", "path", "wizard"],
                    "why": "Which stage finished.",
                },
                "duration": {
                    "type": "bucket",
                    "bucket": "duration",
                    "why": "How long it took, as a coarse range.",
                },
            },
        },
        "install_completed": {
            "why": "The bottom of the install funnel: installs that finished.",
            "props": {
                "duration": {
                    "type": "bucket",
                    "bucket": "duration",
                    "why": "How long the whole install took, as a coarse range.",
                }
            },
        },
        "install_failed": {
            "why": "Installs that failed, where and of which kind, to fix the commonest failure first.",
            "props": {
                "stage": {
                    "type": "enum",
                    "values": ["preflight", "environment", "package", "link", "path", "wizard"],
                    "why": "The stage that failed.",
                },
                "error": {
                    "type": "enum",
                    "values": [
                        "no_python",
                        "python_too_old",
                        "missing_tool",
                        "venv_failed",
                        "package_failed",
                        "disk_full",
                        "permission_denied",
                        "link_failed",
                        "path_failed",
                        "interrupted",
                        "other",
                    ],
                    "why": "A fixed class of failure; never the error message itself.",
                },
            },
        },
        "onboarding_started": {
            "why": "How many people reach the consent wizard, and which kind.",
            "props": {
                "ui": {
                    "type": "enum",
                    "values": ["tui", "inline"],
                    "why": "Full-screen or inline wizard, to know which one to invest in.",
                }
            },
        },
        "onboarding_step_viewed": {
            "why": "Which wizard steps people see, to find where they give up.",
            "props": {
                "step": {
                    "type": "enum",
                    "values": ["welcome", "privacy", "finish"],
                    "why": "The step that was shown.",
                }
            },
        },
        "onboarding_step_skipped": {
            "why": "Which wizard steps were skipped (by flags, or by the inline flow).",
            "props": {
                "step": {
                    "type": "enum",
                    "values": ["welcome", "privacy", "finish"],
                    "why": "The step that was not shown.",
                }
            },
        },
        "onboarding_completed": {
            "why": "People who finished the wizard with telemetry on (a declined wizard sends nothing).",
            "props": {
                "ui": {
                    "type": "enum",
                    "values": ["tui", "inline", "none"],
                    "why": "Which wizard was completed; none when flags decided without one.",
                },
                "duration": {
                    "type": "bucket",
                    "bucket": "duration",
                    "why": "How long the wizard took, as a coarse range, to keep it short.",
                },
                "viewed_payload": {
                    "type": "bool",
                    "why": "Whether the exact payload was opened, to know if people use it.",
                },
            },
        },
        "uninstall_started": {
            "why": "How many installs are removed, and how.",
            "props": {
                "method": {
                    "type": "enum",
                    "values": ["script", "cli"],
                    "why": "Through uninstall.sh or the uninstall command.",
                },
                "keep_config": {
                    "type": "bool",
                    "why": "Whether the settings were kept, to know if people plan to come back.",
                },
            },
        },
        "usage_rollup": {
            "why": "How often each command ran on one day, and how often it failed, in one event a day.",
            "props": {
                "command": {
                    "type": "enum",
                    "values_from": "usage",
                    "why": "The command counted (one of the product's [usage] commands).",
                },
                "count": {"type": "int", "max": 1000000, "why": "How many times it ran that day."},
                "errors": {"type": "int", "max": 1000000, "why": "How many of those runs failed."},
            },
        },
    },
}
