// "Did you mean?" picks what the reference's difflib.get_close_matches(name, candidates, n=1,
// cutoff=0.6) picks. The expected answers below were computed with Python's difflib (a dozen
// chosen cases, then random names with a near miss among the candidates).
import { describe, expect, it } from 'vitest';
import { didYouMean } from '../../runtime/errors.js';

const CASES: [string, string[], string | null][] = [
  ["missing", ["min", "max", "mist", "items"], "min"],
  ["loop", ["bool", "pool", "lop"], "lop"],
  ["titel", ["title", "tile", "total"], "title"],
  ["usernme", ["username", "user", "name"], "username"],
  ["itms", ["items", "its", "item"], "items"],
  ["boom", ["bool", "room", "zoom"], "zoom"],
  ["super", ["tuple", "sum", "upper"], "upper"],
  ["request", ["hx_request", "requests_", "quest"], "requests_"],
  ["upperr", ["upper", "lower", "title"], "upper"],
  ["evn", ["even", "odd", "eq"], "even"],
  ["ab", ["ba", "abc", "b"], "abc"],
  ["x", ["y", "xx", "x_"], "xx"],
  ["_n_tm", ["n_odc", "nmrotcbm", "cbnt", "raolmrs", "_n_trm", "_n_tc"], "_n_trm"],
  ["_n", ["aa", "doa", "mimo_dnd", "emarbmr", "_ln", "nn"], "_ln"],
  ["eitdnea", ["ot", "lb", "elba_rad", "aml", "eitdnela", "eitdbea"], "eitdnela"],
  ["dtreibe", ["altb", "dsb", "am", "mcrndmnd", "dtlreibe", "dtrribe"], "dtlreibe"],
  ["ll", ["ae_", "oeadcl_o", "obacdme", "to", "l_l", "le"], "l_l"],
  ["bb", ["ord", "oi", "omco", "_oc_l", "rbb", "bc"], "rbb"],
  ["_od", ["dcsrndr", "mobla", "ba", "edssle", "_od_", "_od"], "_od"],
  ["ncsb", ["dmn", "_oobedd", "abelmda", "ce", "ncnsb", "nosb"], "ncnsb"],
  ["ic", ["irssn", "coaami", "eaaorbm", "se", "icc", "bc"], "icc"],
  ["nisas", ["sctiibr", "b__lt", "_m", "aorllo", "onisas", "bisas"], "onisas"],
  ["rb", ["lsil", "sommm_n", "nt", "aeobma", "srb", "rb"], "rb"],
  ["ormeaiec", ["odnctir", "mdilr", "drlt", "tddldoid", "orcmeaiec", "ormeamec"], "orcmeaiec"],
  ["_asbe_cb", ["med_l", "rnmri", "__omib_", "e_", "r_asbe_cb", "_asbs_cb"], "r_asbe_cb"],
  ["iertoa", ["clmdat_", "dtct", "rb", "brnrr", "iertoai", "iertob"], "iertoai"],
  ["d_m", ["csat", "nsacd", "tins", "notcl_", "db_m", "d_l"], "db_m"],
  ["cmmdr", ["ln", "rnt_im", "rdbs", "_trsbddl", "ecmmdr", "cmndr"], "ecmmdr"],
  ["s_ai", ["baminl", "emadt_bl", "acnirtcm", "nsn", "s_ami", "o_ai"], "s_ami"],
  ["dmnne_sn", ["cnn_nee", "l__ode_", "nne", "mdlnbn", "odmnne_sn", "lmnne_sn"], "odmnne_sn"],
  ["anlnto", ["mb", "cbnmltl", "dmmc", "l_mn", "anblnto", "anldto"], "anblnto"],
  ["aecsta", ["dc", "are", "sido", "bmsob", "aecstan", "aeosta"], "aecstan"],
  ["dsnlalr", ["_nocn", "_rn", "dnd_noo", "cdsrtici", "dsnladlr", "dsnlald"], "dsnladlr"],
  ["bcd", ["sbe", "bl_ln", "scdlrrta", "do", "bc_d", "icd"], "bc_d"],
  ["nrtinr_", ["tbm", "aa", "nonomcdc", "dc", "nretinr_", "rrtinr_"], "nretinr_"],
  ["acrmbt", ["il", "lnild", "iarsa_", "clm", "acsrmbt", "acribt"], "acsrmbt"],
  ["ocb", ["taibt_", "_rloodn", "itteeb", "stc_lci", "octb", "lcb"], "octb"],
  ["dscbt", ["emba", "road", "reid", "locnbln", "dscrbt", "dscbt"], "dscbt"],
  ["loabobsd", ["mlna", "drlabeee", "nnnl", "o_brmt", "lnoabobsd", "ooabobsd"], "lnoabobsd"],
  ["clmc_", ["nooal", "lenlo", "inem", "enersse", "aclmc_", "ctmc_"], "aclmc_"],
];

describe('didYouMean', () => {
  it("agrees with Python's difflib", () => {
    for (const [name, candidates, want] of CASES) expect([name, didYouMean(name, candidates)]).toEqual([name, want]);
  });
  it('suggests nothing without candidates or below the cutoff', () => {
    expect(didYouMean('title', [])).toBe(null);
    expect(didYouMean('abc', ['xyz'])).toBe(null);
  });
});
