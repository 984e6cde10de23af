import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CONFIG_KINDS } from '../../src/bridge/domain/configKinds.ts';
import { forEachDialect } from '../support/databases.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';
import { parseXml } from '../support/http.ts';

const MISSING = '00000000-0000-0000-0000-000000000000';

/** A POST body that satisfies each kind's required parameters. */
const MINIMAL: Record<string, string> = {
  outboundDialPlanRules: 'domain=minimal.example',
  inboundDialPlanRules: 'domain=minimal-in.example',
  tenants: 'name=Minimal',
};

forEachDialect('configuration objects: every kind', (dialect) => {
  let b: TestBridge;
  before(async () => {
    b = await startTestBridge(dialect);
  });
  after(async () => {
    await b.close();
  });

  for (const kind of CONFIG_KINDS) {
    test(`${kind.collection}: POST, GET list and one, DELETE, then 404 ${kind.element}DoesNotExist`, async () => {
      const res = await b.api('POST', `/${kind.collection}`, MINIMAL[kind.collection] ?? '');
      assert.equal(res.status, 200, res.text);
      const location = String(res.headers['location']);
      assert.match(location, new RegExp(`^/api/v1/${kind.collection}/[0-9a-f-]{36}$`));
      const id = location.split('/').at(-1) ?? '';
      const list = await b.get(`/${kind.collection.toLowerCase()}`);
      assert.equal(list[kind.collection]['@total'], '1');
      assert.equal(list[kind.collection][kind.element][0]['@id'], id);
      const one = await b.get(`/${kind.collection}/${id.toUpperCase()}`);
      assert.equal(one[kind.element]['@id'], id);
      assert.equal((await b.api('PUT', `/${kind.collection}/${id}`, '')).status, 200);
      assert.equal((await b.api('DELETE', `/${kind.collection}/${id}`)).status, 200);
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const gone = await b.api(method, `/${kind.collection}/${id}`, method === 'PUT' ? '' : undefined);
        assert.equal(gone.status, 404, method);
        assert.equal(gone.text, `<?xml version="1.0"?>\n<failureDetails><${kind.element}DoesNotExist/></failureDetails>`);
      }
      assert.match((await b.api('GET', `/${kind.collection}`)).text, new RegExp(`<${kind.collection} total="0"/>`));
    });
  }

  test('an unknown parameter is refused on every kind and nothing is created', async () => {
    for (const kind of CONFIG_KINDS) {
      const body = [MINIMAL[kind.collection], 'bogusParameter=1'].filter(Boolean).join('&');
      const res = await b.api('POST', `/${kind.collection}`, body);
      assert.equal(res.status, 400, kind.collection);
      assert.match(res.text, /<parameterError parameter="bogusParameter" error="unrecognisedParameter"\/>/);
      assert.equal((await b.get(`/${kind.collection}`))[kind.collection]['@total'], '0', kind.collection);
    }
  });
});

forEachDialect('callProfiles and callLegProfiles', (dialect) => {
  let b: TestBridge;
  before(async () => {
    b = await startTestBridge(dialect);
  });
  after(async () => {
    await b.close();
  });

  test('TMS creates a call profile; recordingMode and streamingMode default to manual', async () => {
    const id = await b.create('/callProfiles', 'participantLimit=1000&messageBoardEnabled=false');
    const xml = await b.get(`/callProfiles/${id}`);
    assert.equal(xml.callProfile.participantLimit, '1000');
    assert.equal(xml.callProfile.messageBoardEnabled, 'false');
    assert.equal(xml.callProfile.recordingMode, 'manual');
    assert.equal(xml.callProfile.streamingMode, 'manual');
    // The call engine reads typed, canonically named fields straight from the store.
    const stored = await b.bridge.ctx.storage.configObjects.get('callProfiles', id);
    assert.deepEqual(stored?.fields, { participantLimit: 1000, messageBoardEnabled: false, recordingMode: 'manual', streamingMode: 'manual' });
  });

  test('PUT leaves omitted fields unchanged and an empty value unsets', async () => {
    const id = await b.create('/callProfiles', 'participantLimit=50&locked=true&LOCKMODE=needsactivation');
    assert.equal((await b.api('PUT', `/callProfiles/${id}`, 'participantLimit=&recordingMode=automatic')).status, 200);
    const xml = await b.get(`/callProfiles/${id}`);
    assert.equal(xml.callProfile.participantLimit, undefined);
    assert.equal(xml.callProfile.locked, 'true');
    assert.equal(xml.callProfile.lockMode, 'needsActivation', 'enum values are canonicalised');
    assert.equal(xml.callProfile.recordingMode, 'automatic');
  });

  test('every call leg profile parameter of spec §2.5 is accepted, stored typed and shown in order', async () => {
    const body = [
      'needsActivation=true',
      'defaultLayout=telepresence',
      'changeLayoutAllowed=true',
      'participantLabels=false',
      'presentationDisplayMode=singleStream',
      'presentationContributionAllowed=true',
      'allowAllPresentationContributionAllowed=false',
      'presentationViewingAllowed=true',
      'endCallAllowed=false',
      'muteOthersAllowed=true',
      'changeJoinAudioMuteOverrideAllowed=true',
      'videoMuteOthersAllowed=false',
      'muteSelfAllowed=true',
      'allowAllMuteSelfAllowed=false',
      'videoMuteSelfAllowed=true',
      'joinToneParticipantThreshold=100',
      'leaveToneParticipantThreshold=0',
      'videoMode=disabled',
      'rxAudioMute=false',
      'txAudioMute=true',
      'rxVideoMute=false',
      'txVideoMute=true',
      'sipMediaEncryption=required',
      'audioPacketSizeMs=20',
      'deactivationMode=disconnect',
      'deactivationModeTime=30',
      'telepresenceCallsAllowed=true',
      'sipPresentationChannelEnabled=true',
      'bfcpMode=serverAndClient',
      'callLockAllowed=true',
      'setImportanceAllowed=false',
      'recordingControlAllowed=true',
      'streamingControlAllowed=false',
      'name=Guest',
      'maxCallDurationTime=7200',
      'qualityMain=max720p30',
      'qualityPresentation=max720p5',
      'participantCounter=always',
      'disconnectOthersAllowed=false',
      'addParticipantAllowed=true',
      'controlRemoteCameraAllowed=false',
      'audioGainMode=agc',
    ];
    const id = await b.create('/callLegProfiles', body.join('&'));
    const detail = await b.api('GET', `/callLegProfiles/${id}`);
    const xml = parseXml(detail.text);
    for (const pair of body) {
      const [name, value] = pair.split('=') as [string, string];
      assert.equal(xml.callLegProfile[name], value, name);
    }
    assert.ok(detail.text.indexOf('<name>') < detail.text.indexOf('<needsActivation>'), 'detail follows the parameter table order');
    const stored = await b.bridge.ctx.storage.configObjects.get('callLegProfiles', id);
    assert.ok(stored);
    assert.equal(stored.fields['needsActivation'], true);
    assert.equal(stored.fields['joinToneParticipantThreshold'], 100);
    // The list shows each profile's fields too (as in Cisco's sample).
    const list = await b.get('/callLegProfiles');
    assert.equal(list.callLegProfiles.callLegProfile.find((p: { '@id': string }) => p['@id'] === id).needsActivation, 'true');
  });

  test('call leg profile values out of range are parameter errors and change nothing', async () => {
    const id = await b.create('/callLegProfiles', 'name=Keep&joinToneParticipantThreshold=5');
    for (const [body, parameter] of [
      ['joinToneParticipantThreshold=101', 'joinToneParticipantThreshold'],
      ['defaultLayout=sideways', 'defaultLayout'],
      ['needsActivation=perhaps', 'needsActivation'],
      ['sipMediaEncryption=always', 'sipMediaEncryption'],
      ['deactivationModeTime=-1', 'deactivationModeTime'],
    ] as const) {
      const res = await b.api('PUT', `/callLegProfiles/${id}`, `name=Changed&${body}`);
      assert.equal(res.status, 400, body);
      assert.match(res.text, new RegExp(`<parameterError parameter="${parameter}" error="invalidValue"/>`));
    }
    const xml = await b.get(`/callLegProfiles/${id}`);
    assert.equal(xml.callLegProfile.name, 'Keep');
    assert.equal(xml.callLegProfile.joinToneParticipantThreshold, '5');
  });

  test('layoutTemplate must name an existing layout template', async () => {
    const res = await b.api('POST', '/callLegProfiles', `layoutTemplate=${MISSING}`);
    assert.equal(res.status, 400);
    assert.match(res.text, /<layoutTemplateDoesNotExist\/>/);
  });
});

forEachDialect('configuration lists: paging, filters, usage', (dialect) => {
  let b: TestBridge;
  let tenantA: string;
  let tenantB: string;
  before(async () => {
    b = await startTestBridge(dialect);
    tenantA = await b.create('/tenants', 'name=Engineering');
    tenantB = await b.create('/tenants', 'name=Sales%20Team');
    for (let i = 1; i <= 25; i++) {
      await b.create('/outboundDialPlanRules', `domain=Rule${i}.Example.com&priority=${i}${i % 5 === 0 ? `&tenant=${tenantA}` : ''}`);
    }
  });
  after(async () => {
    await b.close();
  });

  test('pages are capped at 20; total counts every match; offset walks in creation order', async () => {
    const first = await b.get('/outboundDialPlanRules?limit=50');
    assert.equal(first.outboundDialPlanRules['@total'], '25');
    assert.equal(first.outboundDialPlanRules.outboundDialPlanRule.length, 20);
    const second = await b.get('/outboundDialPlanRules?offset=20');
    assert.equal(second.outboundDialPlanRules.outboundDialPlanRule.length, 5);
    assert.equal(second.outboundDialPlanRules.outboundDialPlanRule[0].domain, 'rule21.example.com');
    assert.equal((await b.get('/outboundDialPlanRules?offset=3&limit=2')).outboundDialPlanRules.outboundDialPlanRule[0].priority, '4');
    assert.match((await b.api('GET', '/outboundDialPlanRules?offset=100')).text, /<outboundDialPlanRules total="25"\/>/);
    assert.equal((await b.api('GET', '/outboundDialPlanRules?limit=x')).status, 400);
  });

  test('filter is a case-insensitive substring of the domain; tenantFilter selects one tenant', async () => {
    const filtered = await b.get('/outboundDialPlanRules?filter=RULE2');
    assert.equal(filtered.outboundDialPlanRules['@total'], '7'); // rule2, rule20..25
    const byTenant = await b.get(`/outboundDialPlanRules?tenantFilter=${tenantA.toUpperCase()}`);
    assert.equal(byTenant.outboundDialPlanRules['@total'], '5');
    assert.equal(byTenant.outboundDialPlanRules.outboundDialPlanRule[0].tenant, tenantA);
    assert.equal((await b.get(`/outboundDialPlanRules?TenantFilter=${tenantA}&filter=rule1`)).outboundDialPlanRules['@total'], '2'); // rule10, rule15
  });

  test('tenants: filter by name, callLegProfileFilter', async () => {
    const profile = await b.create('/callLegProfiles', 'name=T');
    await b.api('PUT', `/tenants/${tenantB}`, `callLegProfile=${profile}`);
    assert.equal((await b.get('/tenants?filter=sales')).tenants['@total'], '1');
    const byProfile = await b.get(`/tenants?callLegProfileFilter=${profile}`);
    assert.equal(byProfile.tenants['@total'], '1');
    assert.equal(byProfile.tenants.tenant[0]['@id'], tenantB);
    assert.equal(byProfile.tenants.tenant[0].name, 'Sales Team');
  });

  test('usageFilter: referenced by coSpaces, tenants, access methods and system/profiles', async () => {
    const bySpace = await b.create('/callProfiles', 'name=bySpace');
    const byTenant = await b.create('/callProfiles', 'name=byTenant');
    const bySystem = await b.create('/callProfiles', 'name=bySystem');
    const unused = await b.create('/callProfiles', 'name=unused');
    await b.create('/coSpaces', `name=U&callProfile=${bySpace}`);
    await b.create('/tenants', `name=UT&callProfile=${byTenant}`);
    await b.api('PUT', '/system/profiles', `callProfile=${bySystem}`);
    const ids = (xml: { callProfiles: { callProfile?: Array<{ '@id': string }> } }): string[] => (xml.callProfiles.callProfile ?? []).map((p) => p['@id']).sort();
    assert.deepEqual(ids(await b.get('/callProfiles?usageFilter=referenced')), [bySpace, byTenant, bySystem].sort());
    assert.deepEqual(ids(await b.get('/callProfiles?usageFilter=unreferenced')), [unused]);
    assert.equal((await b.get('/callProfiles')).callProfiles['@total'], '4');
    const leg = await b.create('/callLegProfiles', 'name=am');
    const space = await b.create('/coSpaces', 'name=AM');
    await b.create(`/coSpaces/${space}/accessMethods`, `uri=am.usage&callLegProfile=${leg}`);
    assert.ok(ids({ callProfiles: { callProfile: (await b.get('/callLegProfiles?usageFilter=referenced')).callLegProfiles.callLegProfile } }).includes(leg));
    const bad = await b.api('GET', '/callProfiles?usageFilter=sometimes');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /<parameterError parameter="usageFilter" error="invalidValue"\/>/);
  });
});

forEachDialect('dial plan rules, dial transforms, tenants, groups', (dialect) => {
  let b: TestBridge;
  before(async () => {
    b = await startTestBridge(dialect);
  });
  after(async () => {
    await b.close();
  });

  test('outbound rule: domain required, stored lower-case, documented defaults, empty elements as in the sample', async () => {
    const missing = await b.api('POST', '/outboundDialPlanRules', 'priority=1');
    assert.equal(missing.status, 400);
    assert.match(missing.text, /<parameterError parameter="domain" error="missingParameter"\/>/);
    const id = await b.create('/outboundDialPlanRules', 'domain=CiscoLabs.com&sipProxy=proxy.ciscolabs.com');
    const res = await b.api('GET', `/outboundDialPlanRules/${id}`);
    assert.match(res.text, /<domain>ciscolabs\.com<\/domain><priority>0<\/priority><localContactDomain\/><localFromDomain\/><sipProxy>proxy\.ciscolabs\.com<\/sipProxy><trunkType>sip<\/trunkType><failureAction>stop<\/failureAction><sipControlEncryption>auto<\/sipControlEncryption><scope>global<\/scope><callRouting>default<\/callRouting>/);
    const unset = await b.api('PUT', `/outboundDialPlanRules/${id}`, 'domain=');
    assert.equal(unset.status, 400, 'a required field cannot be unset');
    assert.equal((await b.get(`/outboundDialPlanRules/${id}`)).outboundDialPlanRule.domain, 'ciscolabs.com');
  });

  test('outbound rule references: callBridge, callBridgeGroup and tenant must exist', async () => {
    for (const [param, reason] of [
      ['callBridge', 'callBridgeDoesNotExist'],
      ['callBridgeGroup', 'callBridgeGroupDoesNotExist'],
      ['tenant', 'tenantDoesNotExist'],
    ] as const) {
      const res = await b.api('POST', '/outboundDialPlanRules', `domain=ref.example&${param}=${MISSING}`);
      assert.equal(res.status, 400, param);
      assert.match(res.text, new RegExp(`<failureDetails><${reason}/></failureDetails>`));
    }
    const group = await b.create('/callBridgeGroups', 'name=na-1');
    const bridge = (await b.get('/callBridges')).callBridges.callBridge[0]['@id'];
    const id = await b.create('/outboundDialPlanRules', `domain=ok.example&scope=callBridge&callBridge=${bridge}&callBridgeGroup=${group}`);
    assert.equal((await b.get(`/outboundDialPlanRules/${id}`)).outboundDialPlanRule.callBridge, bridge);
  });

  test('inbound rules: a second rule for the same domain is inboundDialPlanRuleUriConflict', async () => {
    const id = await b.create('/inboundDialPlanRules', 'domain=dev.local&priority=100&resolveToCoSpaces=true');
    const detail = await b.get(`/inboundDialPlanRules/${id}`);
    assert.equal(detail.inboundDialPlanRule.resolveTocoSpaces, 'true', 'parameter names are case-insensitive; the documented spelling is kept');
    assert.equal(detail.inboundDialPlanRule.resolveToLyncConferences, 'false');
    const clash = await b.api('POST', '/inboundDialPlanRules', 'domain=DEV.local');
    assert.equal(clash.status, 400);
    assert.match(clash.text, /<failureDetails><inboundDialPlanRuleUriConflict\/><\/failureDetails>/);
    const other = await b.create('/inboundDialPlanRules', 'domain=test.local');
    assert.equal((await b.api('PUT', `/inboundDialPlanRules/${other}`, 'domain=dev.local&priority=5')).status, 400);
    assert.equal((await b.get(`/inboundDialPlanRules/${other}`)).inboundDialPlanRule.priority, '0', 'rejected PUT changed nothing');
    assert.equal((await b.api('PUT', `/inboundDialPlanRules/${id}`, 'domain=dev.local')).status, 200, 'a rule keeps its own domain');
    assert.equal((await b.get('/inboundDialPlanRules')).inboundDialPlanRules['@total'], '2');
  });

  test('forwarding rules: defaults and enums', async () => {
    const id = await b.create('/forwardingDialPlanRules', 'matchPattern=*.com&destinationDomain=qa.local&action=forward');
    const xml = await b.get(`/forwardingDialPlanRules/${id}`);
    assert.equal(xml.forwardingDialPlanRule.matchPattern, '*.com');
    assert.equal(xml.forwardingDialPlanRule.callerIdMode, 'regenerate');
    assert.equal(xml.forwardingDialPlanRule.uriParameters, 'discard');
    assert.equal((await b.api('POST', '/forwardingDialPlanRules', 'action=bounce')).status, 400);
    assert.equal((await b.get('/forwardingDialPlanRules?filter=QA.LOCAL')).forwardingDialPlanRules['@total'], '1');
  });

  test('dial transforms: the documented sample round-trips; filter searches match and transform', async () => {
    const body = `type=strip&match=${encodeURIComponent('($1/^9\\+?[^+]+$/)')}&transform=${encodeURIComponent('9$1{/^9//}{/\\+/00/}')}&action=accept`;
    const id = await b.create('/dialTransforms', body);
    const res = await b.api('GET', `/dialTransforms/${id}`);
    assert.match(res.text, /<type>strip<\/type><match>\(\$1\/\^9\\\+\?\[\^\+\]\+\$\/\)<\/match><transform>9\$1\{\/\^9\/\/\}\{\/\\\+\/00\/\}<\/transform><priority>0<\/priority><action>accept<\/action>/);
    assert.equal((await b.get('/dialTransforms')).dialTransforms.dialTransform[0].type, 'strip');
    assert.equal((await b.get('/dialTransforms?filter=%2F00%2F')).dialTransforms['@total'], '1');
    assert.equal((await b.get('/dialTransforms?filter=nothing')).dialTransforms['@total'], '0');
    assert.equal((await b.api('POST', '/dialTransforms', 'action=maybe')).status, 400);
  });

  test('tenants: name required and not removable; profile references checked', async () => {
    const missing = await b.api('POST', '/tenants', 'participantLimit=5');
    assert.match(missing.text, /<parameterError parameter="name" error="missingParameter"\/>/);
    const group = await b.create('/tenantGroups');
    const cp = await b.create('/callProfiles', 'participantLimit=10');
    const id = await b.create('/tenants', `name=Eng&tenantGroup=${group}&callProfile=${cp}&participantLimit=20`);
    const xml = await b.get(`/tenants/${id}`);
    assert.equal(xml.tenant.tenantGroup, group);
    assert.equal(xml.tenant.participantLimit, '20');
    assert.equal((await b.api('PUT', `/tenants/${id}`, 'name=')).status, 400);
    for (const [param, reason] of [
      ['dtmfProfile', 'dtmfProfileDoesNotExist'],
      ['ivrBrandingProfile', 'ivrBrandingProfileDoesNotExist'],
      ['userProfile', 'userProfileDoesNotExist'],
      ['dialInSecurityProfile', 'dialInSecurityProfileDoesNotExist'],
      ['tenantGroup', 'tenantGroupDoesNotExist'],
    ] as const) {
      const res = await b.api('PUT', `/tenants/${id}`, `name=Changed&${param}=${MISSING}`);
      assert.match(res.text, new RegExp(`<${reason}/>`), param);
    }
    assert.equal((await b.get(`/tenants/${id}`)).tenant.name, 'Eng');
  });

  test('callBridgeGroups: documented load-balancing defaults; callBridges may join one', async () => {
    const id = await b.create('/callBridgeGroups', 'name=na-2');
    const res = await b.api('GET', `/callBridgeGroups/${id}`);
    assert.match(res.text, /<name>na-2<\/name><loadBalancingEnabled>false<\/loadBalancingEnabled><loadBalanceLyncCalls>false<\/loadBalanceLyncCalls><loadBalanceOutgoingCalls>false<\/loadBalanceOutgoingCalls><loadBalanceUserCalls>true<\/loadBalanceUserCalls><loadBalanceIndirectCalls>false<\/loadBalanceIndirectCalls>/);
    assert.equal((await b.api('POST', '/callBridges', `name=peer&callBridgeGroup=${id}`)).status, 200);
  });

  test('deleting a referenced object is allowed and unsets every reference to it', async () => {
    const profile = await b.create('/callLegProfiles', 'name=doomed');
    const tenant = await b.create('/tenants', `name=Refs&callLegProfile=${profile}`);
    const space = await b.create('/coSpaces', `name=Refs&callLegProfile=${profile}&tenant=${tenant}`);
    const method = await b.create(`/coSpaces/${space}/accessMethods`, `uri=refs.am&callLegProfile=${profile}`);
    const rule = await b.create('/outboundDialPlanRules', `domain=refs.example&tenant=${tenant}`);
    await b.api('PUT', '/system/profiles', `callLegProfile=${profile}`);
    assert.equal((await b.api('DELETE', `/callLegProfiles/${profile}`)).status, 200);
    assert.equal((await b.get(`/tenants/${tenant}`)).tenant.callLegProfile, undefined);
    assert.equal((await b.get(`/coSpaces/${space}`)).coSpace.callLegProfile, undefined);
    assert.equal((await b.get(`/coSpaces/${space}/accessMethods/${method}`)).accessMethod.callLegProfile, undefined);
    assert.equal((await b.get('/system/profiles')).profiles.callLegProfile, undefined);
    assert.equal((await b.api('DELETE', `/tenants/${tenant}`)).status, 200);
    assert.equal((await b.get(`/coSpaces/${space}`)).coSpace.tenant, undefined);
    assert.equal((await b.get(`/outboundDialPlanRules/${rule}`)).outboundDialPlanRule.tenant, undefined);
    assert.equal((await b.get(`/outboundDialPlanRules?tenantFilter=${tenant}`)).outboundDialPlanRules['@total'], '0');
  });

  test('dialInSecurityProfiles, dtmfProfiles, branding, compatibility and user profiles keep their fields', async () => {
    const dtmf = await b.create('/dtmfProfiles', 'lockCall=*9&unlockCall=*7&endCall=*0');
    const dtmfText = (await b.api('GET', `/dtmfProfiles/${dtmf}`)).text;
    assert.match(dtmfText, /<lockCall>\*9<\/lockCall>/);
    assert.match(dtmfText, /<muteSelfAudio\/>/);
    assert.equal((await b.api('POST', '/dtmfProfiles', 'lockCall=9x')).status, 400);
    const brand = await b.create('/callBrandingProfiles', 'resourceLocation=https%3A%2F%2Fsomeserver%2Fcallbranding');
    assert.equal((await b.get('/callBrandingProfiles')).callBrandingProfiles.callBrandingProfile[0].resourceLocation, 'https://someserver/callbranding');
    assert.equal((await b.get(`/callBrandingProfiles/${brand}`)).callBrandingProfile.resourceLocation, 'https://someserver/callbranding');
    const compat = await b.create('/compatibilityProfiles', 'sipUdt=false&sipMediaPayloadTypeMode=broadsoft');
    assert.equal((await b.get(`/compatibilityProfiles/${compat}`)).compatibilityProfile.sipMediaPayloadTypeMode, 'broadsoft');
    const user = await b.create('/userProfiles', 'canCreateCoSpaces=true');
    assert.equal((await b.get(`/userProfiles/${user}`)).userProfile.canCreateCoSpaces, 'true');
    const dis = await b.create('/dialInSecurityProfiles', 'name=Strict&minPasscodeLength=6&allowOutOfPolicy=false');
    assert.equal((await b.get(`/dialInSecurityProfiles/${dis}`)).dialInSecurityProfile.minPasscodeLength, '6');
    assert.equal((await b.api('POST', '/dialInSecurityProfiles', 'minPasscodeLength=65')).status, 400);
  });
});
