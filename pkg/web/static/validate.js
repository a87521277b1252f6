// A small JSON Schema (draft 2020-12) validator for the checklist form. It
// covers what the checklist schema uses: $ref, type, required, properties,
// additionalProperties, items, min/maxItems, uniqueItems, contains, enum,
// const, min/maxLength, pattern, allOf, anyOf, oneOf and not. Errors name
// fields the way the server does ("environments.prod.instanceIds[2]"), so
// browser and server errors land next to the same input.

// Messages for format (pattern) errors, by field; "[]" stands for any index.
// Fields not listed get "is not a valid <title>, e.g. <example>".
const FORMAT = {
  accountId: 'must be 12 digits, e.g. 111111111111 (keep leading zeros)',
  region: 'must be an AWS region code such as us-east-1 or eu-west-2',
  roleArn: 'must be an IAM role ARN such as arn:aws:iam::111111111111:role/ApplianceIntakeVerifier',
  amiId: 'must be an AMI id: ami- and 8 or 17 hex digits, e.g. ami-0123456789abcdef0',
  vpcId: 'must be a VPC id: vpc- and 8 or 17 hex digits, e.g. vpc-0123456789abcdef0',
  'instanceIds[]': 'must be an EC2 instance id: i- and 8 or 17 hex digits, e.g. i-0123456789abcdef0',
  loadBalancerArn: 'must be a Network Load Balancer ARN such as arn:aws:elasticloadbalancing:us-east-1:222222222222:loadbalancer/net/appliance/0123456789abcdef',
  jumpHostCidr: 'must be the jump host as a CIDR no wider than /24 (IPv6: /64), e.g. 203.0.113.10/32',
  manage: 'must be a lowercase DNS name of three or four parts whose first label has at least 3 characters, e.g. manage-acme.example.com',
  rta: 'must be a lowercase DNS name of three or four parts whose first label has at least 3 characters, e.g. rta-acme.example.com',
  webtask: 'must be a lowercase DNS name of three or four parts whose first label has at least 3 characters, e.g. webtask.example.com',
  'apps[]': 'must be a lowercase DNS name of three or four parts whose first label has at least 3 characters, e.g. app1-acme.example.com',
  email: 'must be a plain email address such as ida@example.com',
  pem: 'must be PEM certificates: -----BEGIN CERTIFICATE----- blocks',
  acmArn: 'must be an ACM certificate ARN such as arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000',
};

// fieldKey is the last part of a path, with any index as "[]".
function fieldKey(path) {
  const m = /([A-Za-z0-9_]+)(\[\d+\])?$/.exec(path);
  if (!m) return '';
  return m[2] ? m[1] + '[]' : m[1];
}

const join = (path, key) => (path ? `${path}.${key}` : key);
const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' && Number.isInteger(v) ? 'integer' : typeof v);

function typeMatches(want, v) {
  const t = typeOf(v);
  if (want === 'number') return t === 'number' || t === 'integer';
  return t === want;
}

function equal(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

// Validator validates documents against one schema.
export class Validator {
  constructor(schema) {
    this.root = schema;
    this.regexps = new Map();
  }

  regexp(p) {
    let re = this.regexps.get(p);
    if (!re) {
      re = new RegExp(p, 'u');
      this.regexps.set(p, re);
    }
    return re;
  }

  resolve(ref) {
    if (!ref.startsWith('#')) throw new Error(`unsupported $ref ${ref}`);
    return ref.slice(1).split('/').filter(Boolean)
      .map((k) => decodeURIComponent(k).replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((s, k) => s[k], this.root);
  }

  // validate returns [{field, message}] for the whole document, one entry
  // per distinct problem, in document order.
  validate(doc) {
    const out = this.check(this.root, doc, '', {});
    const seen = new Set();
    return out.filter((e) => {
      const k = e.field + '\u0000' + e.message;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  // check validates v at path against s. ann carries the title and examples
  // of the schema that referred here (a $ref's siblings win).
  check(s, v, path, ann) {
    if (s === true || s === undefined) return [];
    if (s === false) return [{ field: path, message: 'is not allowed' }];
    const a = { title: ann.title ?? s.title, examples: ann.examples ?? s.examples };
    const errs = [];
    const err = (message, field = path) => errs.push({ field, message });

    if (s.type && !(Array.isArray(s.type) ? s.type : [s.type]).some((t) => typeMatches(t, v))) {
      return [{ field: path, message: v === undefined || v === null ? 'is required' : `must be ${article(s.type)} ${s.type}` }];
    }
    if (s.const !== undefined && !equal(s.const, v)) err(`must be ${JSON.stringify(s.const)}`);
    if (s.enum && !s.enum.some((x) => equal(x, v))) {
      err(v === '' || v === undefined ? 'is required: choose one' : `must be one of ${s.enum.join(', ')}`);
    }

    if (typeof v === 'string') {
      const blank = v.trim() === '';
      if (blank && (s.pattern || s.minLength > 0)) return errs.concat([{ field: path, message: 'is required' }]);
      const len = [...v].length;
      if (s.minLength !== undefined && len < s.minLength) err(`must be at least ${s.minLength} characters`);
      if (s.maxLength !== undefined && len > s.maxLength) err(`must be at most ${s.maxLength} characters (it has ${len})`);
      if (s.pattern && !this.regexp(s.pattern).test(v)) err(this.formatMessage(path, a));
    }

    if (Array.isArray(v)) {
      const n = v.length;
      if (s.minItems !== undefined && s.maxItems !== undefined && s.minItems === s.maxItems && n !== s.minItems) {
        err(`must list exactly ${s.minItems}, found ${n}`);
      } else {
        if (s.minItems !== undefined && n < s.minItems) err(n === 0 ? `is required: at least ${s.minItems}` : `must list at least ${s.minItems}, found ${n}`);
        if (s.maxItems !== undefined && n > s.maxItems) err(`must list at most ${s.maxItems}, found ${n}`);
      }
      if (s.items) v.forEach((item, i) => errs.push(...this.check(s.items, item, `${path}[${i}]`, {})));
      if (s.uniqueItems) {
        const first = new Map();
        v.forEach((item, i) => {
          const k = JSON.stringify(item);
          if (item === '' || item === undefined) return;
          if (first.has(k)) err(`duplicates entry ${first.get(k) + 1}: each must be different`, `${path}[${i}]`);
          else first.set(k, i);
        });
      }
      if (s.contains && !v.some((item) => this.check(s.contains, item, '', {}).length === 0)) {
        err(this.containsMessage(s.contains));
      }
    }

    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const key of s.required || []) {
        if (!(key in v) || v[key] === undefined) err('is required', join(path, key));
      }
      const props = s.properties || {};
      for (const [key, sub] of Object.entries(props)) {
        if (key in v && v[key] !== undefined) errs.push(...this.check(sub, v[key], join(path, key), {}));
      }
      if (s.additionalProperties === false) {
        for (const key of Object.keys(v)) {
          if (!(key in props) && !this.declaredElsewhere(s, key)) err('is not a field of the checklist', join(path, key));
        }
      }
    }

    if (s.$ref) errs.push(...this.check(this.resolve(s.$ref), v, path, a));
    for (const sub of s.allOf || []) errs.push(...this.check(sub, v, path, a));
    if (s.anyOf && !s.anyOf.some((sub) => this.check(sub, v, path, a).length === 0)) {
      // Every alternative failed: report the one closest to passing.
      const tries = s.anyOf.map((sub) => this.check(sub, v, path, a));
      const best = tries.reduce((x, y) => (y.length < x.length ? y : x));
      errs.push(...(best.every((e) => e.field === path) ? [{ field: path, message: this.formatMessage(path, a) }] : best));
    }
    if (s.oneOf) {
      const ok = s.oneOf.filter((sub) => this.check(sub, v, path, a).length === 0).length;
      if (ok !== 1) err(this.oneOfMessage(s, ok));
    }
    if (s.not && this.check(s.not, v, path, a).length === 0) err(this.notMessage(s.not, v));
    return errs;
  }

  // declaredElsewhere: a key declared by a $ref'd schema is not "additional"
  // for the referring schema (the checklist puts properties beside $ref).
  declaredElsewhere(s, key) {
    if (!s.$ref) return false;
    const t = this.resolve(s.$ref);
    return !!(t.properties && key in t.properties);
  }

  formatMessage(path, a) {
    const known = FORMAT[fieldKey(path)];
    if (known) return known;
    const ex = a.examples && a.examples.length ? `, e.g. ${a.examples[0]}` : '';
    return a.title ? `is not a valid ${a.title}${ex}` : `has the wrong format${ex}`;
  }

  containsMessage(c) {
    const props = c.properties || {};
    const [key] = Object.keys(props);
    if (key === 'team' && props.team.const) return `needs at least one contact for the ${props.team.const} team`;
    if (key && props[key].const !== undefined) return `needs an entry with ${key} ${props[key].const}`;
    return 'is missing a required entry';
  }

  oneOfMessage(s, ok) {
    const names = s.oneOf.map((sub) => (sub.required || []).join(' and ')).filter(Boolean);
    if (names.length === s.oneOf.length) {
      return ok === 0 ? `is required: give ${names.join(' or ')}` : `give only one of ${names.join(' or ')}`;
    }
    return ok === 0 ? 'matches none of the allowed forms' : 'matches more than one of the allowed forms';
  }

  notMessage(n, v) {
    if (n.pattern && /PRIVATE KEY/.test(n.pattern)) {
      return 'contains a private key: never send it. Paste only the public certificate chain (leaf and intermediates)';
    }
    if (typeof v === 'string' && n.pattern) {
      const label = v.split('.')[0];
      return `uses the reserved App tenant name "${label}"; choose another, e.g. app1-acme`;
    }
    return 'is not allowed';
  }
}

function article(t) {
  return /^[aeiou]/.test(String(t)) ? 'an' : 'a';
}
