"""Reads an MLflow file store (mlruns/) the way MLflow's FileStore does, independently of Sextant, and
prints JSON for the corpus test (test/unit/mlflow.corpus.test.ts). Needs only PyYAML (Debian's
python3-yaml), the YAML library MLflow itself reads meta.yaml with (yaml.safe_load).

What it follows from mlflow/store/tracking/file_store.py:
- experiments: the folders of the root but `.trash` and `models` (the registry); one without a readable
  meta.yaml is skipped ("Malformed experiment"); a deleted one is not listed (ViewType.ACTIVE_ONLY).
- runs: the folders of an experiment but tags/, datasets/, traces/ and models/; one without meta.yaml is
  skipped ("Malformed run"); deleted ones are not listed. status is an integer (1 RUNNING … 5 KILLED).
  run_name falls back to the tag mlflow.runName.
- params/, tags/: one file per key (keys with "/" nest), the value is the file's whole text.
- metrics/: one line per point, "timestamp value [step]" (MLflow 3 may append more fields after step);
  the latest value is max by (step, timestamp, value).
- inputs/<id>/meta.yaml (source_type DATASET, source_id, tags) naming <experiment>/datasets/<id>/meta.yaml.
- MLflow 3 logged models: <experiment>/models/<model_id>/meta.yaml, params/, metrics/; runs' outputs/.

Usage: python3 read_mlruns.py MLRUNS_DIR
"""
import json
import math
import os
import sys

import yaml

STATUS = {1: 'RUNNING', 2: 'SCHEDULED', 3: 'FINISHED', 4: 'FAILED', 5: 'KILLED'}
RESERVED = {'tags', 'datasets', 'traces', 'models'}


def subdirs(d):
    try:
        return sorted(n for n in os.listdir(d) if os.path.isdir(os.path.join(d, n)))
    except FileNotFoundError:
        return []


def read_yaml(path):
    with open(path, encoding='utf-8') as f:
        return yaml.safe_load(f)


def key_values(base):
    out = {}
    for dp, _, fs in os.walk(base):
        for f in fs:
            p = os.path.join(dp, f)
            with open(p, encoding='utf-8', newline='') as fh:
                out[os.path.relpath(p, base).replace(os.sep, '/')] = fh.read()
    return out


def number(v):
    """JSON cannot hold NaN or infinities: they travel as strings."""
    if math.isnan(v):
        return 'NaN'
    if math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    return v


def metrics_of(base):
    out = {}
    for key in key_values(base):
        pts = []
        with open(os.path.join(base, key), encoding='utf-8') as f:
            for line in f:
                parts = line.strip().split(' ')
                if line.strip() == '':
                    continue
                step = int(parts[2]) if len(parts) >= 3 else 0
                pts.append((step, int(parts[0]), float(parts[1])))
        if pts:
            step, ts, value = max(pts)
            out[key] = {'count': len(pts), 'last': number(value), 'step': step}
    return out


def main(root):
    result = {'experiments': {}, 'runs': {}, 'loggedModels': {}, 'malformed': []}
    for exp in subdirs(root):
        if exp == '.trash' or exp == 'models':
            continue
        ed = os.path.join(root, exp)
        try:
            em = read_yaml(os.path.join(ed, 'meta.yaml'))
        except (FileNotFoundError, yaml.YAMLError):
            result['malformed'].append(ed)
            continue
        if not em or em.get('lifecycle_stage') == 'deleted':
            continue
        result['experiments'][exp] = {'id': str(em['experiment_id']), 'name': str(em['name'])}
        for run in subdirs(ed):
            if run in RESERVED:
                continue
            rd = os.path.join(ed, run)
            if not os.path.isfile(os.path.join(rd, 'meta.yaml')):
                result['malformed'].append(rd)
                continue
            m = read_yaml(os.path.join(rd, 'meta.yaml'))
            if m.get('lifecycle_stage', 'active') == 'deleted':
                continue
            tags = key_values(os.path.join(rd, 'tags'))
            name = m.get('run_name') or tags.get('mlflow.runName')
            inputs = []
            for i in subdirs(os.path.join(rd, 'inputs')):
                im = read_yaml(os.path.join(rd, 'inputs', i, 'meta.yaml'))
                if im.get('source_type') != 'DATASET':
                    continue
                dm = read_yaml(os.path.join(ed, 'datasets', str(im['source_id']), 'meta.yaml'))
                profile = json.loads(dm['profile']) if dm.get('profile') else {}
                schema = json.loads(dm['schema']) if dm.get('schema') else {}
                inputs.append({
                    'name': str(dm['name']),
                    'digest': str(dm['digest']),
                    'context': (im.get('tags') or {}).get('mlflow.data.context'),
                    'rows': profile.get('num_rows') if isinstance(profile, dict) else None,
                    'columns': [c.get('name') for c in schema.get('mlflow_colspec', [])] if isinstance(schema, dict) else [],
                })
            outputs = [str(read_yaml(os.path.join(rd, 'outputs', o, 'meta.yaml')).get('source_id', o)) for o in subdirs(os.path.join(rd, 'outputs'))]
            result['runs'][str(m.get('run_id') or m.get('run_uuid'))] = {
                'experiment': str(em['name']),
                'name': None if name is None else str(name),
                'status': STATUS.get(m.get('status', 1), str(m.get('status'))),
                'start': m.get('start_time'),
                'end': m.get('end_time'),
                'params': key_values(os.path.join(rd, 'params')),
                'tags': tags,
                'metrics': metrics_of(os.path.join(rd, 'metrics')),
                'inputs': sorted(inputs, key=lambda x: (x['name'], x['digest'])),
                'outputs': outputs,
            }
        for model in subdirs(os.path.join(ed, 'models')):
            md = os.path.join(ed, 'models', model)
            mm = read_yaml(os.path.join(md, 'meta.yaml'))
            result['loggedModels'][str(mm.get('model_id', model))] = {
                'dir': md,
                'name': mm.get('name'),
                'sourceRun': mm.get('source_run_id'),
                'params': key_values(os.path.join(md, 'params')),
                'metrics': metrics_of(os.path.join(md, 'metrics')),
            }
    json.dump(result, sys.stdout, sort_keys=True)


if __name__ == '__main__':
    main(sys.argv[1])
