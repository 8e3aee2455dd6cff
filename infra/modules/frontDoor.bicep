// Optional edge: Azure Front Door (Standard) in front of the Function App, with a WAF policy whose rate-limit rules
// protect the anonymous endpoints, POST /api/logins above all (each one starts a Verified ID request).
metadata description = 'Azure Front Door Standard profile, endpoint, route to one origin and a rate-limiting WAF policy.'

@description('Name of the Front Door profile; the endpoint and WAF policy names derive from it.')
param name string

@description('Tags for the profile and the WAF policy.')
param tags object = {}

@description('Resource id of the Log Analytics workspace for diagnostics.')
param workspaceResourceId string

@description('Host name of the origin (the Function App).')
param originHostName string

@description('Requests per minute one client IP address may make to POST /api/logins.')
@minValue(1)
param loginRateLimitPerMinute int = 20

@description('Requests per minute one client IP address may make to the rest of /api.')
@minValue(1)
param apiRateLimitPerMinute int = 600

var wafPolicyName = replace('${name}waf', '-', '')

resource profile 'Microsoft.Cdn/profiles@2024-02-01' = {
  name: name
  location: 'global'
  tags: tags
  sku: { name: 'Standard_AzureFrontDoor' }
  properties: { originResponseTimeoutSeconds: 60 }
}

resource endpoint 'Microsoft.Cdn/profiles/afdEndpoints@2024-02-01' = {
  parent: profile
  name: name
  location: 'global'
  tags: tags
  properties: { enabledState: 'Enabled' }
}

resource originGroup 'Microsoft.Cdn/profiles/originGroups@2024-02-01' = {
  parent: profile
  name: 'function-app'
  properties: {
    loadBalancingSettings: { sampleSize: 4, successfulSamplesRequired: 3, additionalLatencyInMilliseconds: 50 }
    healthProbeSettings: {
      probePath: '/api/health'
      probeRequestType: 'HEAD'
      probeProtocol: 'Https'
      probeIntervalInSeconds: 240
    }
  }
}

resource origin 'Microsoft.Cdn/profiles/originGroups/origins@2024-02-01' = {
  parent: originGroup
  name: 'function-app'
  properties: {
    hostName: originHostName
    originHostHeader: originHostName
    httpPort: 80
    httpsPort: 443
    priority: 1
    weight: 1000
    enforceCertificateNameCheck: true
  }
}

resource route 'Microsoft.Cdn/profiles/afdEndpoints/routes@2024-02-01' = {
  parent: endpoint
  name: 'api'
  properties: {
    originGroup: { id: originGroup.id }
    supportedProtocols: ['Http', 'Https']
    httpsRedirect: 'Enabled'
    forwardingProtocol: 'HttpsOnly'
    patternsToMatch: ['/*']
    linkToDefaultDomain: 'Enabled'
  }
  dependsOn: [origin]
}

resource wafPolicy 'Microsoft.Network/FrontDoorWebApplicationFirewallPolicies@2024-02-01' = {
  name: wafPolicyName
  location: 'Global'
  tags: tags
  sku: { name: 'Standard_AzureFrontDoor' }
  properties: {
    policySettings: { enabledState: 'Enabled', mode: 'Prevention' }
    customRules: {
      rules: [
        {
          name: 'LimitLogins'
          priority: 10
          enabledState: 'Enabled'
          ruleType: 'RateLimitRule'
          rateLimitDurationInMinutes: 1
          rateLimitThreshold: loginRateLimitPerMinute
          action: 'Block'
          matchConditions: [
            { matchVariable: 'RequestMethod', operator: 'Equal', matchValue: ['POST'] }
            { matchVariable: 'RequestUri', operator: 'Contains', transforms: ['Lowercase'], matchValue: ['/api/logins'] }
          ]
        }
        {
          name: 'LimitApi'
          priority: 20
          enabledState: 'Enabled'
          ruleType: 'RateLimitRule'
          rateLimitDurationInMinutes: 1
          rateLimitThreshold: apiRateLimitPerMinute
          action: 'Block'
          matchConditions: [
            { matchVariable: 'RequestUri', operator: 'Contains', transforms: ['Lowercase'], matchValue: ['/api/'] }
          ]
        }
      ]
    }
  }
}

resource securityPolicy 'Microsoft.Cdn/profiles/securityPolicies@2024-02-01' = {
  parent: profile
  name: 'waf'
  properties: {
    parameters: {
      type: 'WebApplicationFirewall'
      wafPolicy: { id: wafPolicy.id }
      associations: [{ domains: [{ id: endpoint.id }], patternsToMatch: ['/*'] }]
    }
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: profile
  properties: {
    workspaceId: workspaceResourceId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

output resourceId string = profile.id
output name string = profile.name
@description('The value Front Door sends in X-Azure-FDID, which the Function App requires.')
output frontDoorId string = profile.properties.frontDoorId
output hostName string = endpoint.properties.hostName
